//! A private PostgreSQL cluster for the fault suite: `initdb` into a
//! temporary directory, one server on a free port, restartable, so the
//! suite can restart Postgres without touching the machine's own server
//! (other tests and services use that one). See docs/HARDENING.md.

use crate::bench::procs::free_port;
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::Command;

/// Where Debian and most distributions keep the server binaries.
const BIN_DIRS: [&str; 3] =
    ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/local/pgsql/bin"];

/// A running (or stopped) private cluster.
#[derive(Debug)]
pub struct PgCluster {
    pub port: u16,
    data: PathBuf,
    root: PathBuf,
    bin: PathBuf,
    /// `runuser -u postgres --` when we are root (the server refuses root).
    as_postgres: bool,
}

impl PgCluster {
    /// `initdb` and start. The cluster is removed by [`PgCluster::remove`].
    pub async fn start() -> anyhow::Result<Self> {
        let bin = BIN_DIRS
            .iter()
            .map(PathBuf::from)
            .find(|d| d.join("initdb").exists())
            .context("initdb not found (install postgresql)")?;
        let root = std::env::temp_dir().join(format!("spot-chaos-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&root)?;
        let as_postgres = is_root();
        if as_postgres {
            run(Command::new("chown").arg("postgres:postgres").arg(&root)).await?;
        }
        let cluster = Self { port: free_port()?, data: root.join("data"), root, bin, as_postgres };
        let initdb = cluster.bin.join("initdb");
        let mut cmd = cluster.command(&initdb);
        cmd.args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "-D"]).arg(&cluster.data);
        run(&mut cmd).await?;
        cluster.resume().await?;
        Ok(cluster)
    }

    /// The superuser URL of database `name`.
    pub fn url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Starts the server (again) and waits until it accepts connections.
    pub async fn resume(&self) -> anyhow::Result<()> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off \
             -c shared_buffers=128MB",
            self.port,
            self.root.display()
        );
        let mut cmd = self.command(&self.bin.join("pg_ctl"));
        cmd.args(["-w", "-t", "60", "-l"]).arg(self.root.join("server.log")).arg("-D").arg(&self.data);
        cmd.args(["-o", &options, "start"]);
        run(&mut cmd).await?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_err() {
            anyhow::ensure!(Instant::now() < deadline, "postgres did not listen on {}", self.port);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    /// Stops the server in `fast` mode: every session is cut off, as in a failover.
    pub async fn stop(&self) -> anyhow::Result<()> {
        let mut cmd = self.command(&self.bin.join("pg_ctl"));
        cmd.args(["-w", "-t", "60", "-m", "fast", "-D"]).arg(&self.data).arg("stop");
        run(&mut cmd).await
    }

    /// Stops the server (if running) and deletes the cluster.
    pub async fn remove(self) {
        let _ = self.stop().await;
        let _ = std::fs::remove_dir_all(&self.root);
    }

    fn command(&self, program: &Path) -> Command {
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        };
        cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        cmd
    }
}

/// Whether this process runs as root (it owns `/proc/self`).
fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

async fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let out = cmd.output().await.context("running a postgres tool")?;
    anyhow::ensure!(
        out.status.success(),
        "{:?} failed ({}): {}",
        cmd.as_std().get_program(),
        out.status,
        String::from_utf8_lossy(&out.stderr).trim()
    );
    Ok(())
}
