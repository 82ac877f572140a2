//! Emergency service: rebalance recommendations and termination notices,
//! emergency replicas and their deadlines, automatic promotion, the fallback
//! chain, and per-pool boot-time statistics, in the `emergency` schema.
//!
//! The gateway asks it over gRPC when an agent reports a notice; it reads
//! and changes groups only through lifecycle's gRPC API (atomic promotion,
//! command queue), learns boot times and ready replicas from lifecycle
//! events and pool risk from pricing events, and publishes `notice` and
//! `notice_changed` events. It must not read another service's tables.

pub mod consumers;
pub mod error;
pub mod grpc;
pub mod lifecycle;
pub mod metrics;
pub mod ops;
pub mod settings;
pub mod store;

use chrono::Utc;
use ops::Emergency;
use settings::EmergencySettings;
use spot_contracts::v1::emergency_service_server::EmergencyServiceServer;
use spot_platform::store::Migration;
use spot_platform::{RunningService, ServiceContext, Settings, Shutdown, StartError, migration};
use std::time::Duration;
use tonic::service::Routes;

/// Service name.
pub const NAME: &str = "emergency";
/// Postgres schema this service owns.
pub const SCHEMA: &str = "emergency";
/// This service's own migrations (the platform's outbox/inbox come first).
pub const MIGRATIONS: &[Migration] = &[
    migration!("emergency", 1, "0001_emergency"),
    migration!("emergency", 2, "0002_projection"),
    migration!("emergency", 3, "0003_training_export_read"),
];

/// How often waiting notices are checked against their deadline.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Starts the service; returns once it is serving.
pub async fn start(settings: &Settings, shutdown: Shutdown) -> Result<RunningService, StartError> {
    let own = EmergencySettings::load(settings)?;
    let mut svc = ServiceContext::start(NAME, SCHEMA, MIGRATIONS, settings, shutdown.clone()).await?;
    let metrics = ops::Metrics::new(&svc.metrics.registry).map_err(StartError::other)?;
    let lifecycle = lifecycle::Lifecycle::new(&own.lifecycle_grpc_url).map_err(StartError::Other)?;
    let em = Emergency { db: svc.db.clone(), lifecycle, metrics, default_deadline: own.notice_deadline };
    svc.serve_ops(own.http_addr)?;
    let db_metrics = svc.metrics.database(metrics::DB_METRICS)?;
    svc.spawn(db_metrics.run(svc.db.clone(), shutdown.clone()));
    svc.serve_grpc(own.grpc_addr, Routes::new(EmergencyServiceServer::new(em.clone())))?;
    svc.spawn_consumer(consumers::lifecycle_subscription(), consumers::Reactions { em: em.clone() });
    svc.spawn_consumer(consumers::pricing_subscription(), consumers::Reactions { em: em.clone() });
    svc.spawn(sweep_deadlines(em, shutdown));
    svc.into_running()
}

async fn sweep_deadlines(em: Emergency, shutdown: Shutdown) {
    loop {
        if let Err(e) = ops::deadline::sweep(&em, Utc::now()).await {
            tracing::warn!(error = %e, "deadline sweep failed");
        }
        tokio::select! {
            _ = shutdown.wait() => break,
            _ = tokio::time::sleep(SWEEP_EVERY) => {}
        }
    }
}
