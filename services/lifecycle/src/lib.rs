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
pub mod ops;
pub mod store;

use spot_platform::store::Migration;
use spot_platform::{RunningService, ServiceContext, Settings, Shutdown, StartError, migration};
use std::sync::Arc;

/// Service name (logs, metrics, NATS connection name).
pub const NAME: &str = "lifecycle";
/// Postgres schema this service owns.
pub const SCHEMA: &str = "lifecycle";

/// This service's migrations, in order.
pub const MIGRATIONS: &[Migration] = &[
    migration!("lifecycle", 1, "0001_agents"),
    migration!("lifecycle", 2, "0002_groups"),
    migration!("lifecycle", 3, "0003_heartbeat_hot_updates"),
    migration!("lifecycle", 4, "0004_availability_target"),
];

/// Starts every part of the service; returns once it is serving.
pub async fn start(settings: &Settings, shutdown: Shutdown) -> Result<RunningService, StartError> {
    let ctx = ServiceContext::start(NAME, SCHEMA, MIGRATIONS, settings, shutdown.clone()).await?;
    let mut running = ctx.run_base(settings.lifecycle_http_addr)?;
    let grpc = grpc::serve(&ctx, settings.lifecycle_grpc_addr)?;
    let heartbeats = Arc::new(consumers::heartbeats::HeartbeatConsumer::new(ctx.db.clone()));
    running.tasks.push(tokio::spawn(spot_platform::bus::run_consumer(
        ctx.bus.clone(),
        consumers::heartbeats::spec(settings),
        heartbeats,
        ctx.metrics.clone(),
        shutdown.clone(),
    )));
    running.tasks.push(tokio::spawn(jobs::offline::run(
        ctx.db.clone(),
        settings.agent_heartbeat_timeout,
        shutdown.clone(),
    )));
    running.tasks.push(tokio::spawn(jobs::zombies::run(
        ctx.db.clone(),
        settings.zombie_retention,
        shutdown.clone(),
    )));
    running.tasks.push(tokio::spawn(jobs::inventory::run(ctx.db.clone(), shutdown.clone())));
    running.tasks.push(tokio::spawn(spot_platform::bus::run_consumer(
        ctx.bus.clone(),
        consumers::cleanup::spec(settings),
        Arc::new(consumers::cleanup::CleanupConsumer::new(ctx.db.clone())),
        ctx.metrics.clone(),
        shutdown,
    )));
    running.tasks.push(grpc.task);
    running.grpc_addr = Some(grpc.addr);
    tracing::info!(http = %running.http_addr, grpc = %grpc.addr, "lifecycle serving");
    Ok(running)
}
