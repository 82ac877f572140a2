//! A private `nats-server` with JetStream per test, on a free port with a
//! temporary store. It can be stopped and started again on the same port and
//! store to test outages.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running (or stopped) test server.
#[derive(Debug)]
pub struct TestNats {
    pub port: u16,
    pub url: String,
    store: tempfile::TempDir,
    child: Option<Child>,
}

fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("NATS_SERVER_BIN") {
        return PathBuf::from(path);
    }
    for candidate in ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"] {
        if std::path::Path::new(candidate).exists() {
            return PathBuf::from(candidate);
        }
    }
    PathBuf::from("nats-server")
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl TestNats {
    /// Starts a server and waits until it accepts connections.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_in(&std::env::temp_dir()).await
    }

    /// [`TestNats::start`] with the store in a new directory under `parent`
    /// (a small file system, for a full-disk fault).
    pub async fn start_in(parent: &std::path::Path) -> anyhow::Result<Self> {
        let mut last = None;
        for _ in 0..5 {
            let port = free_port()?;
            let mut server = Self {
                port,
                url: format!("nats://127.0.0.1:{port}"),
                store: tempfile::tempdir_in(parent)?,
                child: None,
            };
            match server.resume().await {
                Ok(()) => return Ok(server),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("nats-server did not start")))
    }

    /// Starts the server again on the same port and store.
    pub async fn resume(&mut self) -> anyhow::Result<()> {
        if self.child.is_some() {
            return Ok(());
        }
        let child = Command::new(binary())
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string(), "-js", "-sd"])
            .arg(self.store.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return Ok(());
            }
            if let Some(child) = self.child.as_mut()
                && let Ok(Some(status)) = child.try_wait()
            {
                self.child = None;
                anyhow::bail!("nats-server exited early: {status}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.stop();
        anyhow::bail!("nats-server did not listen on {} within 10 s", self.port)
    }

    /// Kills the server (the store is kept).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for TestNats {
    fn drop(&mut self) {
        self.stop();
    }
}
