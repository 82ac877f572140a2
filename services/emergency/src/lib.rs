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
pub mod ops;
pub mod store;

use chrono::Utc;
use ops::Emergency;
use spot_platform::store::Migration;
use spot_platform::{RunningService, ServiceContext, Settings, Shutdown, StartError, migration};
use std::sync::Arc;
use std::time::Duration;

/// Service name.
pub const NAME: &str = "emergency";
/// Postgres schema this service owns.
pub const SCHEMA: &str = "emergency";
/// This service's own migrations (the platform's outbox/inbox come first).
pub const MIGRATIONS: &[Migration] =
    &[migration!("emergency", 1, "0001_emergency"), migration!("emergency", 2, "0002_projection")];

/// How often waiting notices are checked against their deadline.
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Starts the service; returns once it is serving.
pub async fn start(settings: &Settings, shutdown: Shutdown) -> Result<RunningService, StartError> {
    let ctx = ServiceContext::start(NAME, SCHEMA, MIGRATIONS, settings, shutdown.clone()).await?;
    let mut running = ctx.run_base(settings.emergency_http_addr)?;
    let metrics = ops::Metrics::new(&ctx.metrics.registry).map_err(|e| StartError::Other(e.to_string()))?;
    let lifecycle = lifecycle::Lifecycle::new(&settings.lifecycle_grpc_url).map_err(StartError::Other)?;
    let em = Emergency { db: ctx.db.clone(), lifecycle, metrics, default_deadline: settings.notice_deadline };
    let grpc = grpc::serve(&ctx, em.clone(), settings.emergency_grpc_addr)?;
    let reactions = Arc::new(consumers::Reactions { em: em.clone() });
    for spec in [consumers::lifecycle_spec(settings), consumers::pricing_spec(settings)] {
        running.tasks.push(tokio::spawn(spot_platform::bus::run_consumer(
            ctx.bus.clone(),
            spec,
            reactions.clone(),
            ctx.metrics.clone(),
            shutdown.clone(),
        )));
    }
    running.tasks.push(tokio::spawn(sweep_deadlines(em, shutdown)));
    running.tasks.push(grpc.task);
    running.grpc_addr = Some(grpc.addr);
    tracing::info!(http = %running.http_addr, grpc = %grpc.addr, "emergency serving");
    Ok(running)
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
