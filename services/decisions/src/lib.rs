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
pub mod consumers;
pub mod engine;
pub mod error;
pub mod events;
pub mod grpc;
pub mod metrics;
pub mod registry;
pub mod settings;
pub mod store;

use consumers::{Projector, Source};
use engine::Engine;
use settings::DecisionsSettings;
use spot_platform::store::Migration;
use spot_platform::{RunningService, ServiceContext, Settings, Shutdown, StartError, migration};

/// Service name.
pub const NAME: &str = "decisions";
/// Postgres schema this service owns.
pub const SCHEMA: &str = "decisions";
/// This service's own migrations (the platform's outbox/inbox come first).
pub const MIGRATIONS: &[Migration] = &[migration!("decisions", 1, "0001_registry_and_log")];

/// Starts the service; returns once it is serving.
pub async fn start(settings: &Settings, shutdown: Shutdown) -> Result<RunningService, StartError> {
    let own = DecisionsSettings::load(settings)?;
    let mut svc = ServiceContext::start(NAME, SCHEMA, MIGRATIONS, settings, shutdown.clone()).await?;
    let metrics = metrics::Metrics::new(&svc.metrics.registry).map_err(StartError::other)?;
    let engine = Engine::new(svc.db.clone(), own.clone(), metrics).map_err(StartError::Other)?;
    svc.serve_ops(own.http_addr)?;
    svc.serve_grpc(own.grpc_addr, grpc::routes(engine.clone()))?;
    for source in Source::ALL {
        svc.spawn_consumer(source.subscription(), Projector { engine: engine.clone(), source });
    }
    svc.spawn(auto_switch::run(engine, shutdown));
    svc.into_running()
}
