//! Marks agents OFFLINE when no heartbeat arrived within the timeout
//! (never TERMINATED: docs/STATE_MACHINE.md, invariant 7) and publishes the change.

use crate::events::status_changed;
use crate::store::agents;
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use spot_domain::AgentStatus;
use spot_platform::Shutdown;
use spot_platform::store::enqueue;
use std::time::Duration;

/// One round: flips timed-out agents and enqueues their events atomically.
/// Returns how many agents went offline.
pub async fn sweep(db: &DatabaseConnection, timeout: Duration) -> Result<usize, DbErr> {
    let txn = db.begin().await?;
    let rows = agents::mark_silent_offline(&txn, timeout.as_secs_f64()).await?;
    for row in &rows {
        let (online, offline) = (AgentStatus::Online.as_str(), AgentStatus::Offline.as_str());
        let event = status_changed(row.client_id, row.agent_id, online, offline, "heartbeat_timeout");
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
