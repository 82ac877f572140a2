//! Two replicas of every service as separate processes, each behind a
//! [`Proxy`] (gRPC for the four back-end services, HTTP for the gateways),
//! the way an operator scales out (docs/DEPLOYMENT.md "Scaling"). Each
//! replica keeps its ports across restarts, so the proxies need no
//! reconfiguration, exactly like pods behind a Service.

use super::proxy::Proxy;
use crate::bench::procs::{self, SERVICES, free_port, service_binary, spawn_service};
use anyhow::Context as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// Replicas per service.
pub const REPLICAS: usize = 2;

/// One replica process.
#[derive(Debug)]
pub struct Replica {
    pub service: &'static str,
    pub index: usize,
    /// Health and metrics (the gateway: its whole HTTP API).
    pub http_addr: SocketAddr,
    env: Vec<(String, String)>,
    binary: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl Replica {
    /// `gateway#1`.
    pub fn label(&self) -> String {
        format!("{}#{}", self.service, self.index)
    }

    /// Its process id while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }

    fn start(&mut self) -> anyhow::Result<()> {
        self.child = Some(spawn_service(&self.binary, &self.log, &self.env)?);
        Ok(())
    }

    /// `kill -9`, then reaps it.
    pub async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Starts it again (same ports, same environment).
    pub fn restart(&mut self) -> anyhow::Result<()> {
        anyhow::ensure!(self.child.is_none(), "{} is still running", self.label());
        self.start()
    }

    /// SIGSTOP (`pause = true`) or SIGCONT.
    pub async fn signal_pause(&self, pause: bool) -> anyhow::Result<()> {
        let pid = self.pid().context("not running")?;
        // `kill` is in every base system; nothing here needs unsafe signal code.
        let status = Command::new("kill")
            .arg(if pause { "-STOP" } else { "-CONT" })
            .arg(pid.to_string())
            .status()
            .await?;
        anyhow::ensure!(status.success(), "kill failed for {}", self.label());
        Ok(())
    }

    /// Whether `/readyz` answers 2xx.
    pub async fn ready(&self, http: &reqwest::Client) -> bool {
        http.get(format!("http://{}/readyz", self.http_addr))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
    }

    /// Whether the process exited by itself (a crash the suite did not cause).
    pub fn exited(&mut self) -> Option<String> {
        let child = self.child.as_mut()?;
        match child.try_wait() {
            Ok(Some(status)) => {
                Some(format!("{} exited ({status}): {}", self.label(), procs::tail(&self.log)))
            }
            _ => None,
        }
    }
}

/// Every replica plus the proxies in front of them.
#[derive(Debug)]
pub struct Replicas {
    pub replicas: Vec<Replica>,
    /// The gateways' proxy: where agents and probes connect.
    pub gateway: Proxy,
    _grpc: Vec<Proxy>,
    pub log_dir: PathBuf,
}

/// A gRPC listener: the variable it listens by, the variable others dial it by.
type GrpcVars = Option<(&'static str, &'static str)>;

/// (service, its HTTP listen variable, its gRPC variables).
const PORTS: [(&str, &str, GrpcVars); 5] = [
    ("lifecycle", "SPOT_LIFECYCLE_HTTP_ADDR", Some(("SPOT_LIFECYCLE_GRPC_ADDR", "SPOT_LIFECYCLE_GRPC_URL"))),
    ("pricing", "SPOT_PRICING_HTTP_ADDR", Some(("SPOT_PRICING_GRPC_ADDR", "SPOT_PRICING_GRPC_URL"))),
    ("emergency", "SPOT_EMERGENCY_HTTP_ADDR", Some(("SPOT_EMERGENCY_GRPC_ADDR", "SPOT_EMERGENCY_GRPC_URL"))),
    ("gateway", "SPOT_HTTP_ADDR", None),
    ("decisions", "SPOT_DECISIONS_HTTP_ADDR", Some(("SPOT_DECISIONS_GRPC_ADDR", "SPOT_DECISIONS_GRPC_URL"))),
];

impl Replicas {
    /// Starts every replica, service after service in [`SERVICES`] order
    /// (the two replicas of one service together), each service once the
    /// previous one is ready.
    pub async fn start(dir: &Path, common: &[(String, String)]) -> anyhow::Result<Self> {
        let log_dir = std::env::temp_dir().join(format!("spot-chaos-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&log_dir)?;
        let mut replicas = Vec::new();
        let mut env: Vec<(String, String)> = common.to_vec();
        let mut grpc = Vec::new();
        let mut own: Vec<Vec<(String, String)>> = Vec::new();
        let mut gateway_backends = Vec::new();
        for (service, http_var, grpc_vars) in PORTS {
            let mut backends = Vec::new();
            for index in 0..REPLICAS {
                let http = SocketAddr::from(([127, 0, 0, 1], free_port()?));
                let mut vars = vec![(http_var.to_owned(), http.to_string())];
                let ready = format!("http://{http}/readyz");
                match grpc_vars {
                    Some((listen, _)) => {
                        let port = free_port()?;
                        vars.push((listen.to_owned(), format!("127.0.0.1:{port}")));
                        backends.push((SocketAddr::from(([127, 0, 0, 1], port)), ready));
                    }
                    None => gateway_backends.push((http, ready)),
                }
                own.push(vars);
                replicas.push(Replica {
                    service,
                    index,
                    http_addr: http,
                    env: Vec::new(),
                    binary: service_binary(dir, service)?,
                    log: log_dir.join(format!("{service}-{index}.log")),
                    child: None,
                });
            }
            if let Some((_, url_var)) = grpc_vars {
                let proxy = Proxy::start(backends).await?;
                env.push((url_var.to_owned(), proxy.url()));
                grpc.push(proxy);
            }
        }
        for (replica, vars) in replicas.iter_mut().zip(own) {
            replica.env = env.iter().cloned().chain(vars).collect();
        }
        let gateway = Proxy::start(gateway_backends).await?;
        let mut fleet = Self { replicas, gateway, _grpc: grpc, log_dir };
        let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
        for service in SERVICES {
            for r in fleet.replicas.iter_mut().filter(|r| r.service == service) {
                r.start()?;
            }
            fleet.wait_ready(&http, Duration::from_secs(120)).await?;
        }
        Ok(fleet)
    }

    /// Waits until every running replica is ready; the time it took.
    pub async fn wait_ready(&mut self, http: &reqwest::Client, limit: Duration) -> anyhow::Result<Duration> {
        let start = Instant::now();
        loop {
            if let Some(crash) = self.replicas.iter_mut().find_map(Replica::exited) {
                anyhow::bail!("{crash}");
            }
            let mut all = true;
            for r in self.replicas.iter().filter(|r| r.child.is_some()) {
                all &= r.ready(http).await;
            }
            if all {
                return Ok(start.elapsed());
            }
            anyhow::ensure!(
                start.elapsed() < limit,
                "not every replica ready within {limit:?} (logs in {})",
                self.log_dir.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The replica `service#index`.
    pub fn replica(&mut self, service: &str, index: usize) -> anyhow::Result<&mut Replica> {
        self.replicas
            .iter_mut()
            .find(|r| r.service == service && r.index == index)
            .with_context(|| format!("no replica {service}#{index}"))
    }

    /// SIGTERM to each (graceful drain), SIGKILL after `grace`.
    pub async fn stop(mut self, grace: Duration) {
        for r in self.replicas.iter().rev() {
            if let Some(pid) = r.pid() {
                let _ = Command::new("kill").arg("-TERM").arg(pid.to_string()).status().await;
            }
        }
        for r in self.replicas.iter_mut() {
            if let Some(child) = r.child.as_mut()
                && tokio::time::timeout(grace, child.wait()).await.is_err()
            {
                r.kill().await;
            }
        }
    }
}
