//! Marks agents OFFLINE when no heartbeat arrived within the timeout
//! (never TERMINATED: design.md invariant 7) and publishes the change.

use crate::events::status_changed;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, TransactionTrait};
use spot_platform::Shutdown;
use spot_platform::store::enqueue;
use std::time::Duration;
use uuid::Uuid;

/// One round: flips timed-out agents and enqueues their events atomically.
/// Returns how many agents went offline.
pub async fn sweep(db: &DatabaseConnection, timeout: Duration) -> Result<usize, DbErr> {
    let txn = db.begin().await?;
    let rows = txn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE lifecycle.agents SET status = 'offline', updated_at = now(), version = version + 1
             WHERE status = 'online'
               AND COALESCE(last_heartbeat_at, registered_at) < now() - make_interval(secs => $1)
             RETURNING agent_id, client_id",
            [(timeout.as_secs_f64()).into()],
        ))
        .await?;
    for row in &rows {
        let agent: Uuid = row.try_get("", "agent_id")?;
        let client: Uuid = row.try_get("", "client_id")?;
        let event = status_changed(client, agent, "online", "offline", "heartbeat_timeout");
        enqueue(&txn, crate::SCHEMA, &event).await?;
    }
    txn.commit().await?;
    Ok(rows.len())
}

/// Runs [`sweep`] every tenth of the timeout (at most every 30 s).
pub async fn run(db: DatabaseConnection, timeout: Duration, shutdown: Shutdown) {
    let every = (timeout / 10).clamp(Duration::from_secs(1), Duration::from_secs(30));
    loop {
        tokio::select! {
            _ = shutdown.wait() => break,
            _ = tokio::time::sleep(every) => {}
        }
        match sweep(&db, timeout).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(agents = n, "agents marked offline after heartbeat timeout"),
            Err(e) => tracing::warn!(error = %e, "offline sweep failed"),
        }
    }
}
