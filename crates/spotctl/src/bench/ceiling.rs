//! The ceiling of this machine for the heartbeat path: a bare actix-web
//! server whose only route parses a v4 heartbeat body into a struct and
//! answers 200 `{"status":"ok"}` (what the gateway answers), with no
//! authentication, no bus and no database. `spotctl bench ceiling-server`
//! runs it as its own process; `bench ingest` starts that process with as
//! many workers as the gateway has and loads both the same way.

use actix_web::{App, HttpResponse, HttpServer, web};
use anyhow::Context as _;
use serde::Deserialize;
use std::io::Write as _;
use std::net::SocketAddr;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncBufReadExt as _;
use tokio::process::{Child, Command};

/// Arguments of the hidden `spotctl bench ceiling-server`.
#[derive(Debug, Clone, clap::Args)]
pub struct CeilingArgs {
    /// Listen address (port 0 picks one; the bound address is printed on stdout).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: SocketAddr,
    /// actix-web workers (default: as many as the gateway uses, one per CPU).
    #[arg(long)]
    pub workers: Option<usize>,
}

/// The fields of a v4 heartbeat (unknown ones ignored, as the gateway does).
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // parsed for the cost of parsing; never read
struct Heartbeat {
    status: Option<String>,
    monitored_instances: Option<Vec<Option<String>>>,
    instance_id: Option<String>,
    instance_type: Option<String>,
    mode: Option<String>,
    az: Option<String>,
}

async fn heartbeat(_agent: web::Path<String>, body: web::Bytes) -> HttpResponse {
    match serde_json::from_slice::<Heartbeat>(&body) {
        Ok(_) => HttpResponse::Ok().json(serde_json::json!({"status": "ok"})),
        Err(e) => HttpResponse::BadRequest().json(serde_json::json!({"error": e.to_string()})),
    }
}

/// The worker count actix-web (and so the gateway) uses by default.
pub fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Serves until the process is killed; prints `listening <addr>` first.
pub async fn serve(args: &CeilingArgs) -> anyhow::Result<()> {
    let server =
        HttpServer::new(|| App::new().route("/api/agents/{id}/heartbeat", web::post().to(heartbeat)))
            .workers(args.workers.unwrap_or_else(default_workers))
            .bind(args.addr)
            .with_context(|| format!("binding {}", args.addr))?;
    let addr = server.addrs().first().copied().context("bound no address")?;
    let mut out = std::io::stdout();
    writeln!(out, "listening {addr}")?;
    out.flush()?;
    server.run().await?;
    Ok(())
}

/// A running ceiling server (a child process of the bench).
#[derive(Debug)]
pub struct CeilingProc {
    /// Its address.
    pub addr: SocketAddr,
    /// Its process id.
    pub pid: u32,
    child: Child,
}

impl CeilingProc {
    /// Starts `spotctl bench ceiling-server` (this executable) and reads its address.
    pub async fn start(workers: usize) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("locating spotctl")?;
        let mut child = Command::new(exe)
            .args(["bench", "ceiling-server", "--workers", &workers.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("starting the ceiling server")?;
        let pid = child.id().context("ceiling server has no pid")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .context("ceiling server did not start within 10 s")??
            .context("ceiling server exited")?;
        let addr = line
            .strip_prefix("listening ")
            .and_then(|a| a.parse().ok())
            .with_context(|| format!("unexpected ceiling server output {line:?}"))?;
        Ok(Self { addr, pid, child })
    }

    /// Its base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Kills it.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}
