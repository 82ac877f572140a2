//! Lifecycle service: owns agents (and, as the state machine grows, groups,
//! instances, replicas, commands, switches and the audit log) in the
//! `lifecycle` schema.
//!
//! It applies heartbeats from the ingest stream in batches, serves the
//! gateway's synchronous calls over gRPC (registration, config), marks silent
//! agents offline, and publishes its state changes through its outbox.
//! It must not read another service's tables.

pub mod consumers;
pub mod error;
pub mod events;
pub mod grpc;
pub mod jobs;
pub mod metrics;
pub mod ops;
pub mod settings;
pub mod store;

use settings::LifecycleSettings;
use spot_contracts::v1::lifecycle_service_server::LifecycleServiceServer;
use spot_platform::store::Migration;
use spot_platform::{RunningService, ServiceContext, Settings, Shutdown, StartError, migration};
use tonic::service::Routes;

/// Service name (logs, metrics, NATS connection name).
pub const NAME: &str = "lifecycle";
/// Postgres schema this service owns.
pub const SCHEMA: &str = "lifecycle";

/// This service's migrations, in order.
pub const MIGRATIONS: &[Migration] = &[
    migration!("lifecycle", 1, "0001_agents"),
    migration!("lifecycle", 2, "0002_groups"),
    migration!("lifecycle", 3, "0003_heartbeat_hot_updates"),
    migration!("lifecycle", 4, "0004_dashboard_settings"),
    migration!("lifecycle", 5, "0005_command_expiry"),
    migration!("lifecycle", 6, "0006_availability_target"),
    migration!("lifecycle", 7, "0007_operators"),
    migration!("lifecycle", 8, "0008_training_export_read"),
];

/// Starts every part of the service; returns once it is serving.
pub async fn start(settings: &Settings, shutdown: Shutdown) -> Result<RunningService, StartError> {
    let own = LifecycleSettings::load(settings)?;
    let mut svc = ServiceContext::start(NAME, SCHEMA, MIGRATIONS, settings, shutdown.clone()).await?;
    let db = svc.db.clone();
    svc.serve_ops(own.http_addr)?;
    svc.metrics.constant(
        "agent_heartbeat_interval_seconds",
        "heartbeat interval of agent v4 (default HEARTBEAT_INTERVAL)",
        metrics::AGENT_HEARTBEAT_INTERVAL_SECONDS,
    )?;
    let db_metrics = svc.metrics.database(metrics::DB_METRICS)?;
    svc.spawn(db_metrics.run(db.clone(), shutdown.clone()));
    svc.serve_grpc(
        own.grpc_addr,
        Routes::new(LifecycleServiceServer::new(grpc::LifecycleGrpc::new(db.clone()))),
    )?;
    svc.spawn_consumer(
        consumers::heartbeats::subscription(),
        consumers::heartbeats::HeartbeatConsumer::new(db.clone()),
    );
    svc.spawn_consumer(
        consumers::cleanup::subscription(),
        consumers::cleanup::CleanupConsumer::new(db.clone()),
    );
    svc.spawn(jobs::offline::run(db.clone(), own.heartbeat_timeout, shutdown.clone()));
    svc.spawn(jobs::zombies::run(db.clone(), own.zombie_retention, shutdown.clone()));
    svc.spawn(jobs::inventory::run(db.clone(), shutdown.clone()));
    svc.spawn(jobs::expiry::run(db, shutdown));
    svc.into_running()
}
