//! Inventory reconciliation of `monitored_instances`: what the PRIMARY agent
//! of each group says it watches, against the instances we hold. Unknown
//! instances are recorded in `unknown_instances`; our live instances the
//! agent no longer lists get `missing_since`. Set-based statements, so the
//! job is idempotent and safe in several replicas.

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use spot_platform::Shutdown;
use std::time::Duration;

const PRIMARIES: &str = "
    WITH primaries AS (
        SELECT a.group_id, a.agent_id, a.monitored_instances
        FROM lifecycle.agents a
        JOIN lifecycle.instances i ON i.group_id = a.group_id AND i.instance_id = a.instance_id AND i.role = 'PRIMARY'
        WHERE a.status = 'online' AND cardinality(a.monitored_instances) > 0
    )";

/// One round: (unknown instances recorded or refreshed, instances newly missing).
pub async fn reconcile(db: &DatabaseConnection) -> Result<(u64, u64), DbErr> {
    let txn = db.begin().await?;
    // Whole-table statements: hash joins, one pass over each table. With
    // stale statistics (a fleet that just grew) the planner otherwise chose
    // nested loops that rescanned `agents` once per instance.
    txn.execute_unprepared("SET LOCAL enable_nestloop = off").await?;
    let db = &txn;
    let unknown = db
        .execute_unprepared(&format!(
            "{PRIMARIES}
             INSERT INTO lifecycle.unknown_instances (group_id, instance_id, reported_by)
             SELECT p.group_id, m.instance_id, p.agent_id FROM primaries p, unnest(p.monitored_instances) AS m(instance_id)
             WHERE NOT EXISTS (SELECT 1 FROM lifecycle.instances i
                               WHERE i.group_id = p.group_id AND i.instance_id = m.instance_id)
             ON CONFLICT (group_id, instance_id) DO UPDATE SET last_seen = now(), reported_by = EXCLUDED.reported_by"
        ))
        .await?
        .rows_affected();
    let missing = db
        .execute_unprepared(&format!(
            "{PRIMARIES}
             UPDATE lifecycle.instances i SET missing_since = now() FROM primaries p
             WHERE i.group_id = p.group_id AND i.role IN ('PRIMARY', 'REPLICA') AND i.missing_since IS NULL
               AND NOT (i.instance_id = ANY (p.monitored_instances))"
        ))
        .await?
        .rows_affected();
    db.execute_unprepared(&format!(
        "{PRIMARIES}
         UPDATE lifecycle.instances i SET missing_since = NULL FROM primaries p
         WHERE i.group_id = p.group_id AND i.missing_since IS NOT NULL AND i.instance_id = ANY (p.monitored_instances)"
    ))
    .await?;
    db.execute_unprepared(
        "DELETE FROM lifecycle.unknown_instances u USING lifecycle.instances i
         WHERE i.group_id = u.group_id AND i.instance_id = u.instance_id",
    )
    .await?;
    txn.commit().await?;
    Ok((unknown, missing))
}

/// Runs [`reconcile`] every minute.
pub async fn run(db: DatabaseConnection, shutdown: Shutdown) {
    loop {
        tokio::select! {
            _ = shutdown.wait() => break,
            _ = tokio::time::sleep(Duration::from_secs(60)) => {}
        }
        match reconcile(&db).await {
            Ok((0, 0)) => {}
            Ok((unknown, missing)) => tracing::info!(unknown, missing, "inventory reconciled"),
            Err(e) => tracing::warn!(error = %e, "inventory reconciliation failed"),
        }
    }
}
