//! The five service binaries as child processes of a bench (so each one's
//! CPU time and peak RSS can be read from /proc), plus /proc readers for
//! any process: CPU seconds, resident and peak resident memory, and
//! machine-wide CPU use.

use anyhow::Context as _;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

/// Clock ticks per second of /proc CPU times (USER_HZ: 100 on every Linux ABI).
const USER_HZ: f64 = 100.0;

/// CPU and memory of one process at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcStats {
    /// User plus system CPU since the process started, seconds (all threads).
    pub cpu_secs: f64,
    /// Resident set now, MiB.
    pub rss_mib: f64,
    /// Peak resident set (VmHWM), MiB.
    pub peak_rss_mib: f64,
    /// Anonymous part of the resident set (heap and stacks; the rest is
    /// mapped files such as the binary's own pages), MiB.
    pub rss_anon_mib: f64,
    /// Threads of the process (each may hold allocator pages of its own).
    pub threads: f64,
}

/// Reads `/proc/<pid>/stat` and `/proc/<pid>/status`; `None` once the process is gone.
pub fn proc_stats(pid: u32) -> Option<ProcStats> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    // Fields 14 (utime) and 15 (stime), counted from 1, are at 11 and 12 after "pid (comm)".
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    Some(ProcStats {
        cpu_secs: (ticks(11) + ticks(12)) / USER_HZ,
        rss_mib: kib("VmRSS:") / 1024.0,
        peak_rss_mib: kib("VmHWM:") / 1024.0,
        rss_anon_mib: kib("RssAnon:") / 1024.0,
        threads: kib("Threads:"),
    })
}

/// Processes whose command name (`/proc/<pid>/comm`) is `comm` and whose
/// command line contains `needle` (empty: any).
pub fn find_pids(comm: &str, needle: &str) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return Vec::new() };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == comm)
                && (needle.is_empty()
                    || std::fs::read(format!("/proc/{pid}/cmdline"))
                        .is_ok_and(|c| String::from_utf8_lossy(&c).replace('\0', " ").contains(needle)))
        })
        .collect()
}

/// Total CPU seconds of all processes called `comm` (e.g. every Postgres backend).
pub fn cpu_of_all(comm: &str) -> f64 {
    find_pids(comm, "").into_iter().filter_map(proc_stats).map(|s| s.cpu_secs).sum()
}

/// Machine-wide (busy, total) CPU ticks from /proc/stat.
pub fn machine_ticks() -> (f64, f64) {
    let Ok(stat) = std::fs::read_to_string("/proc/stat") else { return (0.0, 0.0) };
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else { return (0.0, 0.0) };
    let v: Vec<f64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
    let total: f64 = v.iter().take(8).sum();
    let idle = v.get(3).copied().unwrap_or(0.0) + v.get(4).copied().unwrap_or(0.0);
    (total - idle, total)
}

/// A free local TCP port (released again; a tiny race with other programs is acceptable here).
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Where the service binaries are: next to the running `spotctl`.
pub fn binary_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("locating the spotctl executable")?;
    exe.parent().map(Path::to_path_buf).context("the spotctl executable has no directory")
}

/// One service process.
#[derive(Debug)]
pub struct ServiceProc {
    /// Service name (`gateway`, ...).
    pub name: &'static str,
    /// Its ops (and, for the gateway, API) HTTP address.
    pub http_addr: SocketAddr,
    /// Process id.
    pub pid: u32,
    child: Child,
    log: PathBuf,
}

/// The five services, started as `spot-<name>` binaries against one
/// database and one NATS server.
#[derive(Debug)]
pub struct ServiceProcs {
    /// In start order: lifecycle, pricing, emergency, gateway, decisions.
    pub procs: Vec<ServiceProc>,
    /// Where each service's stdout and stderr go (`<name>.log`).
    pub log_dir: PathBuf,
    /// Where the binaries are and the environment they got, for restarts.
    dir: PathBuf,
    env: Vec<(String, String)>,
}

/// Start order: the gRPC servers the others call come first.
pub const SERVICES: [&str; 5] = ["lifecycle", "pricing", "emergency", "gateway", "decisions"];

impl ServiceProcs {
    /// Starts `dir/spot-<name>` for every service with the same environment
    /// (like one config file), one after the other, each once the previous
    /// one is ready.
    pub async fn start(
        dir: &Path,
        database_url: &str,
        nats_url: &str,
        admin_token: &str,
        max_connections: u32,
    ) -> anyhow::Result<Self> {
        let log_dir = std::env::temp_dir().join(format!("spot-bench-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&log_dir).with_context(|| format!("creating {}", log_dir.display()))?;
        let mut env: Vec<(String, String)> = vec![
            ("DATABASE_URL".into(), database_url.into()),
            ("NATS_URL".into(), nats_url.into()),
            ("SPOT_ADMIN_TOKEN".into(), admin_token.into()),
            ("SPOT_DATABASE_MAX_CONNECTIONS".into(), max_connections.to_string()),
            ("SPOT_LOG".into(), std::env::var("SPOT_LOG").unwrap_or_else(|_| "warn".into())),
            ("SPOT_LOG_FORMAT".into(), "json".into()),
            ("SPOT_SHUTDOWN_GRACE_SECS".into(), "5".into()),
        ];
        let mut http = Vec::new();
        for (name, var) in [
            ("lifecycle", "SPOT_LIFECYCLE_HTTP_ADDR"),
            ("pricing", "SPOT_PRICING_HTTP_ADDR"),
            ("emergency", "SPOT_EMERGENCY_HTTP_ADDR"),
            ("gateway", "SPOT_HTTP_ADDR"),
            ("decisions", "SPOT_DECISIONS_HTTP_ADDR"),
        ] {
            let addr = SocketAddr::from(([127, 0, 0, 1], free_port()?));
            env.push((var.into(), addr.to_string()));
            http.push((name, addr));
        }
        for (addr_var, url_var) in [
            ("SPOT_LIFECYCLE_GRPC_ADDR", "SPOT_LIFECYCLE_GRPC_URL"),
            ("SPOT_PRICING_GRPC_ADDR", "SPOT_PRICING_GRPC_URL"),
            ("SPOT_EMERGENCY_GRPC_ADDR", "SPOT_EMERGENCY_GRPC_URL"),
        ] {
            let port = free_port()?;
            env.push((addr_var.into(), format!("127.0.0.1:{port}")));
            env.push((url_var.into(), format!("http://127.0.0.1:{port}")));
        }
        let mut started = ServiceProcs { procs: Vec::new(), log_dir, dir: dir.to_path_buf(), env };
        for name in SERVICES {
            let addr = http.iter().find(|(n, _)| *n == name).map(|(_, a)| *a).context("no address")?;
            let proc = started.spawn(name, addr)?;
            started.procs.push(proc);
            started.wait_ready(name).await?;
        }
        Ok(started)
    }

    fn spawn(&self, name: &'static str, http_addr: SocketAddr) -> anyhow::Result<ServiceProc> {
        let binary = service_binary(&self.dir, name)?;
        let log = self.log_dir.join(format!("{name}.log"));
        let child = spawn_service(&binary, &log, &self.env)?;
        let pid = child.id().context("child has no pid")?;
        Ok(ServiceProc { name, http_addr, pid, child, log })
    }

    /// A crash and restart: SIGKILL to `name`, then the same binary again on
    /// the same ports and environment. Returns how long the new process took
    /// to be ready.
    pub async fn kill_and_restart(&mut self, name: &str) -> anyhow::Result<Duration> {
        let index = self.procs.iter().position(|p| p.name == name).context("unknown service")?;
        let (service, addr) = (self.procs[index].name, self.procs[index].http_addr);
        self.procs[index].child.kill().await.with_context(|| format!("killing spot-{name}"))?;
        let started = Instant::now();
        self.procs[index] = self.spawn(service, addr)?;
        self.wait_ready(name).await?;
        Ok(started.elapsed())
    }

    async fn wait_ready(&mut self, name: &str) -> anyhow::Result<()> {
        let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build()?;
        let proc = self.procs.iter_mut().find(|p| p.name == name).context("unknown service")?;
        let url = format!("http://{}/readyz", proc.http_addr);
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = proc.child.try_wait() {
                anyhow::bail!("spot-{name} exited at start ({status}): {}", tail(&proc.log));
            }
            if http.get(&url).send().await.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "spot-{name} not ready within 60 s: {}",
                tail(&proc.log)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// One service.
    pub fn get(&self, name: &str) -> Option<&ServiceProc> {
        self.procs.iter().find(|p| p.name == name)
    }

    /// The gateway's base URL.
    pub fn gateway_url(&self) -> String {
        self.get("gateway").map(|p| format!("http://{}", p.http_addr)).unwrap_or_default()
    }

    /// Every service's stats now (zero for one that is gone).
    pub fn stats(&self) -> Vec<(&'static str, ProcStats)> {
        self.procs.iter().map(|p| (p.name, proc_stats(p.pid).unwrap_or_default())).collect()
    }

    /// Services that exited, with their log tails.
    pub fn exited(&mut self) -> Vec<String> {
        self.procs
            .iter_mut()
            .filter_map(|p| match p.child.try_wait() {
                Ok(Some(status)) => Some(format!("spot-{} exited ({status}): {}", p.name, tail(&p.log))),
                _ => None,
            })
            .collect()
    }

    /// SIGTERM to each (graceful drain), SIGKILL after `grace`.
    pub async fn stop(mut self, grace: Duration) {
        for p in self.procs.iter().rev() {
            // `kill` is in every base system; nothing here needs unsafe signal code.
            let _ = Command::new("kill").arg("-TERM").arg(p.pid.to_string()).status().await;
        }
        for p in self.procs.iter_mut() {
            if tokio::time::timeout(grace, p.child.wait()).await.is_err() {
                let _ = p.child.kill().await;
            }
        }
    }
}

/// `dir/spot-<name>`, or why it is missing.
pub fn service_binary(dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    let binary = dir.join(format!("spot-{name}"));
    anyhow::ensure!(
        binary.exists(),
        "{} not found: build the services next to spotctl (cargo build --release -p spotctl -p spot-gateway \
         -p spot-lifecycle -p spot-emergency -p spot-pricing -p spot-decisions)",
        binary.display()
    );
    Ok(binary)
}

/// Starts one service binary with `env` (and nothing of ours that would
/// change its config), stdout and stderr appended to `log`, killed when
/// the handle is dropped.
pub fn spawn_service(binary: &Path, log: &Path, env: &[(String, String)]) -> anyhow::Result<Child> {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("opening {}", log.display()))?;
    let err = out.try_clone()?;
    let mut command = Command::new(binary);
    command
        .env_remove("SPOT_CONFIG")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .kill_on_drop(true);
    command.spawn().with_context(|| format!("starting {}", binary.display()))
}

/// The last lines of a log, for error messages.
pub fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().rev().take(5).collect();
    let joined = lines.into_iter().rev().collect::<Vec<_>>().join("\n");
    format!("(log {}) {joined}", path.display())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn reads_its_own_process() {
        let me = proc_stats(std::process::id()).unwrap();
        assert!(me.peak_rss_mib >= me.rss_mib * 0.99 && me.rss_mib > 0.0, "{me:?}");
        assert!(me.cpu_secs >= 0.0);
        let (busy, total) = machine_ticks();
        assert!(total > 0.0 && busy <= total);
        assert!(proc_stats(u32::MAX).is_none());
    }
}
