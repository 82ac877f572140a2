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
pub mod error;
pub mod grpc;
pub mod jobs;
pub mod metrics;
pub mod settings;
pub mod store;

use consolidation::{Consolidator, backfill::Backfill};
use settings::PricingSettings;
use spot_contracts::v1::pricing_service_server::PricingServiceServer;
use spot_platform::store::Migration;
use spot_platform::{RunningService, ServiceContext, Settings, Shutdown, StartError, migration};
use tonic::service::Routes;

/// Service name.
pub const NAME: &str = "pricing";
/// Postgres schema this service owns.
pub const SCHEMA: &str = "pricing";
/// This service's migrations (the platform's outbox/inbox come first).
pub const MIGRATIONS: &[Migration] =
    &[migration!("pricing", 1, "0001_pricing"), migration!("pricing", 2, "0002_training_export_read")];

/// The consolidator configured from settings.
pub fn consolidator(db: sea_orm::DatabaseConnection, settings: &PricingSettings) -> Consolidator {
    Consolidator {
        db,
        backfill: Backfill::from_settings(settings),
        bucket: chrono::Duration::from_std(settings.price_bucket).unwrap_or(chrono::Duration::minutes(5)),
    }
}

/// Counter of pricing reports not ingested, by reason.
fn ignored_reports(registry: &prometheus::Registry) -> Result<prometheus::IntCounterVec, StartError> {
    let ignored = prometheus::IntCounterVec::new(
        prometheus::Opts::new("pricing_reports_ignored_total", "pricing reports not ingested, by reason"),
        &["reason"],
    )
    .map_err(StartError::other)?;
    registry.register(Box::new(ignored.clone())).map_err(StartError::other)?;
    Ok(ignored)
}

/// Starts the service; returns once it is serving.
pub async fn start(settings: &Settings, shutdown: Shutdown) -> Result<RunningService, StartError> {
    let own = PricingSettings::load(settings)?;
    let mut svc = ServiceContext::start(NAME, SCHEMA, MIGRATIONS, settings, shutdown.clone()).await?;
    let db = svc.db.clone();
    let ignored = ignored_reports(&svc.metrics.registry)?;
    let consolidator = consolidator(db.clone(), &own);
    let api = grpc::PricingGrpc {
        db: db.clone(),
        consolidator: consolidator.clone(),
        window: own.consolidation_window,
    };
    svc.serve_ops(own.http_addr)?;
    let db_metrics = svc.metrics.database(metrics::DB_METRICS)?;
    svc.spawn(db_metrics.run(db.clone(), shutdown.clone()));
    svc.serve_grpc(own.grpc_addr, Routes::new(PricingServiceServer::new(api)))?;
    svc.spawn_consumer(
        consumers::reports::subscription(),
        consumers::reports::ReportConsumer::new(db.clone(), ignored),
    );
    svc.spawn_consumer(
        consumers::lifecycle::subscription(),
        consumers::lifecycle::LifecycleProjection::new(db.clone()),
    );
    let (every, window) = (own.consolidation_interval, own.consolidation_window);
    svc.spawn(jobs::schedule::consolidation(consolidator, every, window, shutdown.clone()));
    svc.spawn(jobs::schedule::risk(db.clone(), own.risk_interval, shutdown.clone()));
    svc.spawn(jobs::schedule::savings(db, own.report_interval, shutdown));
    svc.into_running()
}
