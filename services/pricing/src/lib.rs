//! Pricing service: owns price staging, consolidation (dedup, interpolation,
//! backfill), the canonical data set, pool risk and savings, in the `pricing`
//! schema.
//!
//! It consumes agent pricing reports (staging) and lifecycle events (instance
//! roles, switches), runs the consolidation every 12 h (and on demand), pool
//! risk every 15 min and daily savings, and serves them over gRPC. It must
//! not read another service's tables.

pub mod consolidation;
pub mod consumers;
pub mod grpc;
pub mod jobs;
pub mod store;

use consolidation::{Consolidator, backfill::Backfill};
use spot_platform::store::Migration;
use spot_platform::{RunningService, ServiceContext, Settings, Shutdown, StartError, migration};
use std::sync::Arc;

/// Service name.
pub const NAME: &str = "pricing";
/// Postgres schema this service owns.
pub const SCHEMA: &str = "pricing";
/// This service's migrations (the platform's outbox/inbox come first).
pub const MIGRATIONS: &[Migration] = &[migration!("pricing", 1, "0001_pricing")];

/// The consolidator configured from settings.
pub fn consolidator(db: sea_orm::DatabaseConnection, settings: &Settings) -> Consolidator {
    Consolidator {
        db,
        backfill: Backfill::from_settings(settings),
        bucket: chrono::Duration::from_std(settings.price_bucket).unwrap_or(chrono::Duration::minutes(5)),
    }
}

/// Starts the service; returns once it is serving.
pub async fn start(settings: &Settings, shutdown: Shutdown) -> Result<RunningService, StartError> {
    let ctx = ServiceContext::start(NAME, SCHEMA, MIGRATIONS, settings, shutdown.clone()).await?;
    let mut running = ctx.run_base(settings.pricing_http_addr)?;
    let ignored = prometheus::IntCounterVec::new(
        prometheus::Opts::new("pricing_reports_ignored_total", "pricing reports not ingested, by reason"),
        &["reason"],
    )
    .map_err(|e| StartError::Other(e.to_string()))?;
    ctx.metrics.registry.register(Box::new(ignored.clone())).map_err(|e| StartError::Other(e.to_string()))?;
    let consolidator = consolidator(ctx.db.clone(), settings);
    let api = grpc::PricingGrpc {
        db: ctx.db.clone(),
        consolidator: consolidator.clone(),
        window: settings.consolidation_window,
    };
    let grpc = grpc::serve(&ctx, api, settings.pricing_grpc_addr)?;
    let bus = ctx.bus.clone();
    running.tasks.push(tokio::spawn(spot_platform::bus::run_consumer(
        bus.clone(),
        consumers::reports::spec(settings),
        Arc::new(consumers::reports::ReportConsumer::new(ctx.db.clone(), ignored)),
        ctx.metrics.clone(),
        shutdown.clone(),
    )));
    running.tasks.push(tokio::spawn(spot_platform::bus::run_consumer(
        bus,
        consumers::lifecycle::spec(settings),
        Arc::new(consumers::lifecycle::LifecycleProjection::new(ctx.db.clone())),
        ctx.metrics.clone(),
        shutdown.clone(),
    )));
    running.tasks.push(tokio::spawn(jobs::schedule::consolidation(
        consolidator,
        settings.consolidation_interval,
        settings.consolidation_window,
        shutdown.clone(),
    )));
    running.tasks.push(tokio::spawn(jobs::schedule::risk(
        ctx.db.clone(),
        settings.risk_interval,
        shutdown.clone(),
    )));
    running.tasks.push(tokio::spawn(jobs::schedule::savings(
        ctx.db.clone(),
        settings.report_interval,
        shutdown,
    )));
    running.tasks.push(grpc.task);
    running.grpc_addr = Some(grpc.addr);
    tracing::info!(http = %running.http_addr, grpc = %grpc.addr, "pricing serving");
    Ok(running)
}
