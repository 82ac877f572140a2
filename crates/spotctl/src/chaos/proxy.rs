//! A TCP load balancer in front of the replicas of one service, as a
//! Kubernetes Service (or an ELB) is in production: every new connection
//! goes to the next replica whose readiness probe (`/readyz`, every
//! 250 ms) passed; connections already open stay where they are. The
//! fault suite puts one in front of each service's gRPC port and one in
//! front of the gateways' HTTP port.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

/// One replica behind the proxy.
#[derive(Debug)]
pub struct Backend {
    /// Where connections go.
    pub addr: SocketAddr,
    /// Its readiness URL.
    pub ready_url: String,
    ready: AtomicBool,
}

/// A running proxy.
#[derive(Debug)]
pub struct Proxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    stop: CancellationToken,
}

impl Proxy {
    /// Listens on a free local port and spreads connections over `backends`
    /// (pairs of forwarding address and readiness URL).
    pub async fn start(backends: Vec<(SocketAddr, String)>) -> anyhow::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let backends: Arc<Vec<Backend>> = Arc::new(
            backends
                .into_iter()
                .map(|(addr, ready_url)| Backend { addr, ready_url, ready: AtomicBool::new(true) })
                .collect(),
        );
        let stop = CancellationToken::new();
        tokio::spawn(probe(backends.clone(), stop.clone()));
        tokio::spawn(accept(listener, backends, stop.clone()));
        Ok(Self { addr, stop })
    }

    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn probe(backends: Arc<Vec<Backend>>, stop: CancellationToken) {
    let Ok(http) = reqwest::Client::builder().timeout(Duration::from_millis(500)).build() else { return };
    while !stop.is_cancelled() {
        for b in backends.iter() {
            let ok = http.get(&b.ready_url).send().await.is_ok_and(|r| r.status().is_success());
            b.ready.store(ok, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn accept(listener: TcpListener, backends: Arc<Vec<Backend>>, stop: CancellationToken) {
    let next = Arc::new(AtomicUsize::new(0));
    loop {
        let conn = tokio::select! {
            _ = stop.cancelled() => return,
            conn = listener.accept() => conn,
        };
        let Ok((client, _)) = conn else { continue };
        let (backends, next, stop) = (backends.clone(), next.clone(), stop.clone());
        tokio::spawn(async move {
            let Some(mut upstream) = connect(&backends, &next).await else { return };
            let mut client = client;
            let _ = client.set_nodelay(true);
            let _ = upstream.set_nodelay(true);
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
            }
        });
    }
}

/// The next ready backend that accepts the connection; a not-ready one only
/// when none is ready (a proxy that refuses everything helps nobody).
async fn connect(backends: &[Backend], next: &AtomicUsize) -> Option<TcpStream> {
    let n = backends.len();
    let start = next.fetch_add(1, Ordering::Relaxed);
    for pass_ready in [true, false] {
        for i in 0..n {
            let b = &backends[(start + i) % n];
            if b.ready.load(Ordering::Relaxed) != pass_ready {
                continue;
            }
            if let Ok(Ok(s)) = tokio::time::timeout(Duration::from_secs(1), TcpStream::connect(b.addr)).await
            {
                return Some(s);
            }
        }
    }
    None
}
