//! Watches the one-PRIMARY-per-group invariant while something disruptive
//! happens (an AZ reclaimed at once): a task counts every 100 ms the groups
//! whose PRIMARY count is not exactly one and keeps the worst count seen.
//! The mass-interruption test and `spotctl bench emergency` both run it.

use sea_orm::DatabaseConnection;
use spot_platform::store::count;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;
use tokio::task::JoinHandle;

/// Groups whose PRIMARY count is not exactly one.
pub const BAD_GROUPS: &str = "SELECT count(*) FROM (SELECT g.id FROM lifecycle.groups g
    LEFT JOIN lifecycle.instances i ON i.group_id = g.id AND i.role = 'PRIMARY'
    GROUP BY g.id HAVING count(i.instance_id) <> 1) bad";

/// The running watch; [`PrimaryWatch::stop`] ends it.
pub struct PrimaryWatch {
    stop: Arc<AtomicBool>,
    worst: Arc<AtomicI64>,
    scans: Arc<AtomicI64>,
    task: JoinHandle<()>,
}

/// What the watch saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrimaryFigures {
    /// Most groups without exactly one PRIMARY in one scan (0 is the goal).
    pub worst: i64,
    /// Scans that completed.
    pub scans: i64,
}

impl PrimaryWatch {
    /// Starts scanning `db` (lifecycle's tables).
    pub fn start(db: DatabaseConnection) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (worst, scans) = (Arc::new(AtomicI64::new(0)), Arc::new(AtomicI64::new(0)));
        let task = {
            let (stop, worst, scans) = (stop.clone(), worst.clone(), scans.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    if let Ok(bad) = count(&db, BAD_GROUPS).await {
                        worst.fetch_max(bad, Ordering::Relaxed);
                        scans.fetch_add(1, Ordering::Relaxed);
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
        };
        Self { stop, worst, scans, task }
    }

    /// Stops after the current scan and returns the figures.
    pub async fn stop(self) -> anyhow::Result<PrimaryFigures> {
        self.stop.store(true, Ordering::Relaxed);
        self.task.await?;
        Ok(PrimaryFigures {
            worst: self.worst.load(Ordering::Relaxed),
            scans: self.scans.load(Ordering::Relaxed),
        })
    }
}
