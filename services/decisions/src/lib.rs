//! Decisions service: the model registry (versions, activation, A/B
//! split), the decision log with outcomes and realised savings, the
//! built-in / ONNX / external models, and the auto-switch loop, in the
//! `decisions` schema (docs/DECISIONS.md).
//!
//! It learns about groups, pools, prices and notices only from events and
//! pricing's gRPC (never another schema), queues switch commands through
//! lifecycle's gRPC, serves `spot.v1.DecisionsService` to the gateway and
//! publishes `decision_made` / `decision_executed` through its outbox.

pub mod auto_switch;
pub mod config;
pub mod consumers;
pub mod engine;
pub mod error;
pub mod events;
pub mod grpc;
pub mod metrics;
pub mod registry;
pub mod store;

use config::DecisionsConfig;
use consumers::{Projector, Source};
use engine::{Engine, channel};
use spot_contracts::v1::lifecycle_service_client::LifecycleServiceClient;
use spot_contracts::v1::pricing_service_client::PricingServiceClient;
use spot_platform::store::Migration;
use spot_platform::{RunningService, ServiceContext, Settings, Shutdown, StartError, migration};
use std::sync::Arc;

/// Service name.
pub const NAME: &str = "decisions";
/// Postgres schema this service owns.
pub const SCHEMA: &str = "decisions";
/// This service's own migrations (the platform's outbox/inbox come first).
pub const MIGRATIONS: &[Migration] = &[migration!("decisions", 1, "0001_registry_and_log")];

/// Starts the service with its settings from the environment.
pub async fn start(settings: &Settings, shutdown: Shutdown) -> Result<RunningService, StartError> {
    let cfg = DecisionsConfig::from_env().map_err(StartError::Other)?;
    start_with(settings, cfg, shutdown).await
}

/// Starts the service; returns once it is serving.
pub async fn start_with(
    settings: &Settings,
    cfg: DecisionsConfig,
    shutdown: Shutdown,
) -> Result<RunningService, StartError> {
    let ctx = ServiceContext::start(NAME, SCHEMA, MIGRATIONS, settings, shutdown.clone()).await?;
    let mut running = ctx.run_base(settings.decisions_http_addr)?;
    let metrics =
        metrics::Metrics::new(&ctx.metrics.registry).map_err(|e| StartError::Other(e.to_string()))?;
    let engine = Engine {
        db: ctx.db.clone(),
        lifecycle: LifecycleServiceClient::new(
            channel(&settings.lifecycle_grpc_url, "lifecycle").map_err(StartError::Other)?,
        ),
        pricing: PricingServiceClient::new(
            channel(&settings.pricing_grpc_url, "pricing").map_err(StartError::Other)?,
        ),
        metrics,
        price_bucket: chrono::Duration::from_std(settings.price_bucket)
            .unwrap_or(chrono::Duration::minutes(5)),
        cfg: cfg.clone(),
        runners: Default::default(),
    };
    let grpc = grpc::serve(&ctx, engine.clone(), cfg.grpc_addr_for(settings.decisions_http_addr))?;
    for source in Source::ALL {
        let projector = Arc::new(Projector { engine: engine.clone(), source });
        running.tasks.push(tokio::spawn(spot_platform::bus::run_consumer(
            ctx.bus.clone(),
            source.spec(settings),
            projector,
            ctx.metrics.clone(),
            shutdown.clone(),
        )));
    }
    running.tasks.push(tokio::spawn(auto_switch::run(engine, shutdown)));
    running.tasks.push(grpc.task);
    running.grpc_addr = Some(grpc.addr);
    tracing::info!(http = %running.http_addr, grpc = %grpc.addr, "decisions serving");
    Ok(running)
}
