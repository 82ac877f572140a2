//! ZOMBIE retention: a ZOMBIE kept longer than the retention (30 days by
//! default) becomes TERMINATED, through the state machine and the audit log
//! like any other transition. Each instance is its own small transaction
//! under the group lock, so replicas of this job never double-apply: the
//! second one finds TERMINATED and the state machine makes it a no-op.

use crate::error::Result;
use crate::ops::{Actor, transition};
use crate::store::groups::{self, InstanceDetails};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, TransactionTrait};
use spot_domain::group::Transition;
use spot_platform::Shutdown;
use std::time::Duration;
use uuid::Uuid;

/// One round; returns how many ZOMBIEs were terminated.
pub async fn sweep(db: &DatabaseConnection, retention: Duration) -> Result<usize> {
    let due = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT group_id, instance_id FROM lifecycle.instances
             WHERE role = 'ZOMBIE' AND role_changed_at < now() - make_interval(secs => $1)
             ORDER BY role_changed_at LIMIT 500",
            [retention.as_secs_f64().into()],
        ))
        .await?;
    let mut done = 0;
    for row in due {
        let group_id: Uuid = row.try_get("", "group_id")?;
        let instance_id: String = row.try_get("", "instance_id")?;
        let txn = db.begin().await?;
        let loaded = groups::lock(&txn, group_id).await?;
        let outcome = transition::run(
            &txn,
            &loaded,
            &Transition::ZombieExpired { instance_id },
            &InstanceDetails::default(),
            &Actor::system(),
            "zombie_retention",
        )
        .await;
        match outcome {
            Ok(o) => {
                txn.commit().await?;
                done += o.changes.len();
            }
            // Someone else changed it first (another replica, an operator): skip.
            Err(e) => tracing::debug!(error = %e, "zombie no longer due"),
        }
    }
    Ok(done)
}

/// Runs [`sweep`] hourly (and once at start).
pub async fn run(db: DatabaseConnection, retention: Duration, shutdown: Shutdown) {
    loop {
        match sweep(&db, retention).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(instances = n, "zombies past retention terminated"),
            Err(e) => tracing::warn!(error = %e, "zombie sweep failed"),
        }
        tokio::select! {
            _ = shutdown.wait() => break,
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
        }
    }
}
