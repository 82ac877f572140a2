//! Start-up shared by every service: connect Postgres and NATS (waiting for
//! them), apply the service's migrations, create the streams, and collect the
//! tasks the service spawns so shutdown can wait for all of them.

use crate::bus::{Bus, ensure_streams};
use crate::config::Settings;
use crate::health::Readiness;
use crate::http::OpsState;
use crate::metrics::PlatformMetrics;
use crate::shutdown::Shutdown;
use crate::store::{self, Migration, Migrator};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Start-up failed; the binary prints this and exits non-zero.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error(transparent)]
    Migration(#[from] store::MigrationError),
    #[error(transparent)]
    Bus(#[from] crate::bus::BusError),
    #[error("metrics: {0}")]
    Metrics(#[from] crate::metrics::MetricsError),
    #[error("bind: {0}")]
    Bind(#[from] std::io::Error),
    #[error("{0}")]
    Other(String),
}

/// Everything a service needs at run time.
#[derive(Debug, Clone)]
pub struct ServiceContext {
    pub name: &'static str,
    pub schema: &'static str,
    pub settings: Settings,
    pub db: DatabaseConnection,
    pub bus: Bus,
    pub metrics: Arc<PlatformMetrics>,
    pub readiness: Readiness,
    pub shutdown: Shutdown,
}

/// How long start-up waits for Postgres before giving up.
const DB_WAIT: Duration = Duration::from_secs(60);

impl ServiceContext {
    /// Connects, migrates and prepares the bus.
    pub async fn start(
        name: &'static str,
        schema: &'static str,
        migrations: &[Migration],
        settings: &Settings,
        shutdown: Shutdown,
    ) -> Result<Self, StartError> {
        let db = store::connect(settings, DB_WAIT).await?;
        Migrator::new(schema, migrations)?.up(&db).await?;
        let bus = Bus::connect(&settings.nats_url, name, settings.publish_timeout, true).await?;
        ensure_streams(&bus).await?;
        let readiness = Readiness::new(db.clone(), Some(bus.clone()));
        readiness.set_migrated();
        let metrics = Arc::new(PlatformMetrics::new()?);
        tracing::info!(service = name, "service context ready");
        Ok(Self { name, schema, settings: settings.clone(), db, bus, metrics, readiness, shutdown })
    }

    /// State for the ops routes.
    pub fn ops_state(&self) -> OpsState {
        OpsState { readiness: self.readiness.clone(), metrics: self.metrics.clone(), service: self.name }
    }

    /// Starts the outbox relay of this service's schema.
    pub fn spawn_outbox_relay(&self) -> JoinHandle<()> {
        let relay = store::OutboxRelay {
            schema: self.schema,
            db: self.db.clone(),
            bus: self.bus.clone(),
            metrics: self.metrics.clone(),
            batch: 500,
            idle: Duration::from_millis(50),
        };
        tokio::spawn(relay.run(self.shutdown.clone()))
    }
}

/// A started service: its bound addresses and background tasks.
#[derive(Debug)]
pub struct RunningService {
    pub name: &'static str,
    /// HTTP address (ops routes, and the API for the gateway).
    pub http_addr: std::net::SocketAddr,
    /// gRPC address, for services that serve gRPC.
    pub grpc_addr: Option<std::net::SocketAddr>,
    pub tasks: Vec<JoinHandle<()>>,
    pub bus: Bus,
}

impl RunningService {
    /// Waits for every task to finish (after shutdown fired), up to `grace`,
    /// then flushes the bus.
    pub async fn drain(self, grace: Duration) {
        let name = self.name;
        let all = futures::future::join_all(self.tasks);
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!(service = name, "grace period over, stopping with work in flight");
        }
        self.bus.flush().await;
        tracing::info!(service = name, "stopped");
    }
}

/// The whole `main` of a service binary: load config, start telemetry, start
/// the service, wait for SIGTERM/SIGINT, drain. Exit code 2 means bad config.
pub async fn run_binary<F, Fut>(name: &'static str, start: F) -> std::process::ExitCode
where
    F: FnOnce(Settings, Shutdown) -> Fut,
    Fut: Future<Output = Result<RunningService, StartError>>,
{
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("spot-{name}: configuration error: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let _telemetry = match crate::telemetry::init(name, &settings) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("spot-{name}: telemetry: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let shutdown = Shutdown::on_signals();
    let grace = settings.shutdown_grace;
    match start(settings, shutdown.clone()).await {
        Ok(running) => {
            shutdown.wait().await;
            running.drain(grace).await;
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!(error = %e, "spot-{name} failed to start");
            eprintln!("spot-{name}: failed to start: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

impl ServiceContext {
    /// The parts every service runs: ops HTTP server on `http_addr` and the
    /// outbox relay and the inbox/outbox retention. Services add their consumers, servers and jobs to
    /// `tasks` of the result.
    pub fn run_base(&self, http_addr: std::net::SocketAddr) -> Result<RunningService, StartError> {
        let ops = crate::http::serve_ops(http_addr, self.ops_state(), self.shutdown.clone())?;
        let relay = self.spawn_outbox_relay();
        let retention = tokio::spawn(store::retention::run(
            self.db.clone(),
            self.schema,
            self.settings.dedup_retention,
            self.shutdown.clone(),
        ));
        Ok(RunningService {
            name: self.name,
            http_addr: ops.addr,
            grpc_addr: None,
            tasks: vec![ops.task, relay, retention],
            bus: self.bus.clone(),
        })
    }
}
