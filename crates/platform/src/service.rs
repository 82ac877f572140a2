//! Start-up shared by every service: connect Postgres and NATS (waiting for
//! them), apply the service's migrations, create the streams, and collect the
//! tasks the service spawns so shutdown can wait for all of them. A service's
//! `start` is a list of the parts it adds: [`ServiceContext::serve_ops`],
//! [`ServiceContext::serve_grpc`], [`ServiceContext::spawn_consumer`],
//! [`ServiceContext::spawn`], then [`ServiceContext::into_running`].

use crate::bus::{BatchHandler, Bus, Subscription, ensure_streams, run_consumer};
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
    #[error("configuration: {0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("{0}")]
    Other(String),
}

impl StartError {
    /// Wraps any displayable start-up failure.
    pub fn other(e: impl std::fmt::Display) -> Self {
        Self::Other(e.to_string())
    }
}

/// Everything a service needs at run time, and the tasks it started.
#[derive(Debug)]
pub struct ServiceContext {
    pub name: &'static str,
    pub schema: &'static str,
    pub settings: Settings,
    pub db: DatabaseConnection,
    pub bus: Bus,
    pub metrics: Arc<PlatformMetrics>,
    pub readiness: Readiness,
    pub shutdown: Shutdown,
    tasks: Vec<JoinHandle<()>>,
    http_addr: Option<std::net::SocketAddr>,
    grpc_addr: Option<std::net::SocketAddr>,
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
        Ok(Self {
            name,
            schema,
            settings: settings.clone(),
            db,
            bus,
            metrics,
            readiness,
            shutdown,
            tasks: Vec::new(),
            http_addr: None,
            grpc_addr: None,
        })
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

/// The whole `main` of a service binary: answer `--help`/`--version` (or
/// refuse other arguments) without starting, else load config, start
/// telemetry, start the service, wait for SIGTERM/SIGINT, drain. Exit code
/// 2 means a bad command line or bad config.
pub async fn run_binary<F, Fut>(info: &crate::cli::BinaryInfo, start: F) -> std::process::ExitCode
where
    F: FnOnce(Settings, Shutdown) -> Fut,
    Fut: Future<Output = Result<RunningService, StartError>>,
{
    let name = info.name;
    match crate::cli::parse(info, std::env::args().skip(1)) {
        crate::cli::Invocation::Run => {}
        crate::cli::Invocation::Print(text) => {
            print!("{text}");
            return std::process::ExitCode::SUCCESS;
        }
        crate::cli::Invocation::Refuse(text) => {
            eprint!("{text}");
            return std::process::ExitCode::from(2);
        }
    }
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
        Err(StartError::Config(e)) => {
            eprintln!("spot-{name}: configuration error: {e}");
            std::process::ExitCode::from(2)
        }
        Err(e) => {
            tracing::error!(error = %e, "spot-{name} failed to start");
            eprintln!("spot-{name}: failed to start: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The whole `main.rs` of a service binary: mimalloc as the allocator (its
/// live bytes counted by [`crate::heap::Meter`], no transparent huge pages), the
/// `--help`/`--version` text, and [`run_binary`] around the crate's `start`.
/// `$service` is the service's library crate (it exports `NAME`,
/// `settings::SETTINGS` and `start`); `$about` is the one line `--help` prints.
/// The binary crate must depend on `mimalloc` and `tokio`.
#[macro_export]
macro_rules! service_main {
    ($service:ident, $about:expr $(,)?) => {
        #[global_allocator]
        static ALLOC: $crate::heap::Meter<mimalloc::MiMalloc> =
            $crate::heap::Meter::new(mimalloc::MiMalloc, usize::MAX);

        /// What the binary's `--help` and `--version` print.
        const INFO: $crate::cli::BinaryInfo = $crate::cli::BinaryInfo {
            name: $service::NAME,
            version: env!("CARGO_PKG_VERSION"),
            about: $about,
            settings: $service::settings::SETTINGS,
        };

        #[tokio::main]
        async fn main() -> std::process::ExitCode {
            $crate::heap::init(|| ALLOC.allocated());
            $crate::service::run_binary(&INFO, |settings, shutdown| async move {
                $service::start(&settings, shutdown).await
            })
            .await
        }
    };
}

impl ServiceContext {
    /// The parts every service runs: ops HTTP server (`/healthz`, `/readyz`,
    /// `/metrics`) on `addr`, the outbox relay and the inbox/outbox retention.
    pub fn serve_ops(&mut self, addr: std::net::SocketAddr) -> Result<std::net::SocketAddr, StartError> {
        let ops = crate::http::serve_ops(addr, self.ops_state(), self.shutdown.clone())?;
        let relay = self.spawn_outbox_relay();
        let retention = store::retention::run(
            self.db.clone(),
            self.schema,
            self.settings.dedup_retention,
            self.shutdown.clone(),
        );
        self.tasks.extend([ops.task, relay]);
        self.spawn(retention);
        self.http_addr = Some(ops.addr);
        Ok(ops.addr)
    }

    /// Records an HTTP server the service started itself (the gateway's API).
    pub fn adopt_http(&mut self, server: crate::http::RunningServer) {
        self.http_addr = Some(server.addr);
        self.tasks.push(server.task);
    }

    /// Serves gRPC `routes` on `addr` until shutdown; returns the bound address.
    pub fn serve_grpc(
        &mut self,
        addr: std::net::SocketAddr,
        routes: tonic::service::Routes,
    ) -> Result<std::net::SocketAddr, StartError> {
        let server = crate::grpc::serve(self.name, addr, routes, self.shutdown.clone())?;
        self.tasks.push(server.task);
        self.grpc_addr = Some(server.addr);
        Ok(server.addr)
    }

    /// Runs a durable consumer of `subscription` with the platform's tuning
    /// until shutdown (the batch in hand is finished first).
    pub fn spawn_consumer<H: BatchHandler>(&mut self, subscription: Subscription, handler: H) {
        let spec = subscription.spec(&self.settings);
        self.spawn(crate::bus::lag::watch(
            self.bus.clone(),
            spec.stream,
            spec.durable.clone(),
            self.metrics.clone(),
            self.shutdown.clone(),
        ));
        let task = run_consumer(
            self.bus.clone(),
            spec,
            Arc::new(handler),
            self.metrics.clone(),
            self.shutdown.clone(),
        );
        self.spawn(task);
    }

    /// Runs a background task; shutdown waits for it (it must watch
    /// [`ServiceContext::shutdown`] itself).
    pub fn spawn(&mut self, task: impl Future<Output = ()> + Send + 'static) {
        self.tasks.push(tokio::spawn(task));
    }

    /// The started service. Fails if no HTTP server was started.
    pub fn into_running(self) -> Result<RunningService, StartError> {
        let http_addr = self.http_addr.ok_or_else(|| StartError::other("service started no HTTP server"))?;
        tracing::info!(service = self.name, http = %http_addr, grpc = ?self.grpc_addr, "serving");
        Ok(RunningService {
            name: self.name,
            http_addr,
            grpc_addr: self.grpc_addr,
            tasks: self.tasks,
            bus: self.bus,
        })
    }
}
