//! Liveness and readiness. `/healthz` answers while the process runs;
//! `/readyz` only when the database answers, NATS is connected and the
//! service's migrations are applied.

use crate::bus::Bus;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde::Serialize;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What readiness checks.
#[derive(Debug, Clone)]
pub struct Readiness {
    db: DatabaseConnection,
    bus: Option<Bus>,
    migrated: Arc<AtomicBool>,
}

/// Result of one readiness check.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ReadinessReport {
    pub ready: bool,
    pub database: bool,
    pub nats: bool,
    pub migrations: bool,
}

impl Readiness {
    /// Checks `db` and, when given, `bus`.
    pub fn new(db: DatabaseConnection, bus: Option<Bus>) -> Self {
        Self { db, bus, migrated: Arc::new(AtomicBool::new(false)) }
    }

    /// Marks migrations as applied.
    pub fn set_migrated(&self) {
        self.migrated.store(true, Ordering::Release);
    }

    /// Runs the checks (each bounded by a short timeout).
    pub async fn check(&self) -> ReadinessReport {
        let database = matches!(
            tokio::time::timeout(Duration::from_secs(1), self.db.execute_unprepared("SELECT 1")).await,
            Ok(Ok(_))
        );
        let nats = self.bus.as_ref().is_none_or(Bus::is_connected);
        let migrations = self.migrated.load(Ordering::Acquire);
        ReadinessReport { ready: database && nats && migrations, database, nats, migrations }
    }
}
