//! ZOMBIE retention: a ZOMBIE kept longer than the retention (30 days by
//! default) becomes TERMINATED, through the state machine and the audit log
//! like any other transition. Each instance is its own small transaction
//! under the group lock, so replicas of this job never double-apply: the
//! second one finds TERMINATED and the state machine makes it a no-op.

use crate::error::Result;
use crate::ops::{Actor, transition};
use crate::store::groups::{self, InstanceDetails};
use sea_orm::{DatabaseConnection, TransactionTrait};
use spot_domain::group::Transition;
use spot_platform::Shutdown;
use std::time::Duration;

/// One round; returns how many ZOMBIEs were terminated.
pub async fn sweep(db: &DatabaseConnection, retention: Duration) -> Result<usize> {
    let mut done = 0;
    for groups::DueZombie { group_id, instance_id } in
        groups::due_zombies(db, retention.as_secs_f64()).await?
    {
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
