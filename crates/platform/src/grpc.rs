//! gRPC plumbing every service shares: the server start-up (bind, serve
//! until shutdown, let in-flight calls finish) and the client channel (lazy
//! connection, connect timeout, one deadline per call). Services hand in
//! their generated server wrapped in `tonic::service::Routes`, or take a
//! [`Channel`] for their generated client.

use crate::shutdown::Shutdown;
use std::net::SocketAddr;
use std::time::Duration;
use tonic::service::Routes;
use tonic::transport::{Channel, Endpoint, server::TcpIncoming};

/// A running gRPC server.
#[derive(Debug)]
pub struct GrpcServer {
    /// Address actually bound (port 0 resolved).
    pub addr: SocketAddr,
    /// Completes when the server stopped.
    pub task: tokio::task::JoinHandle<()>,
}

/// Binds `addr` and serves `routes` until `shutdown` fires; calls in flight
/// then finish before the task completes.
pub fn serve(
    name: &'static str,
    addr: SocketAddr,
    routes: Routes,
    shutdown: Shutdown,
) -> std::io::Result<GrpcServer> {
    let incoming = TcpIncoming::bind(addr)?;
    let addr = incoming.local_addr()?;
    let task = tokio::spawn(async move {
        let result = tonic::transport::Server::builder()
            .add_routes(routes)
            .serve_with_incoming_shutdown(incoming, async move { shutdown.wait().await })
            .await;
        if let Err(e) = result {
            tracing::error!(service = name, error = %e, "gRPC server failed");
        }
    });
    Ok(GrpcServer { addr, task })
}

/// How long a client waits for a connection before the call fails.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// A lazily connected channel to `url` in which every call has `deadline`.
/// Lazy, so a caller starts even when the callee is not up yet; `setting`
/// names the configuration entry in the error of a malformed URL.
pub fn channel(url: &str, setting: &str, deadline: Duration) -> Result<Channel, String> {
    let endpoint = Endpoint::from_shared(url.to_owned())
        .map_err(|e| format!("invalid {setting} {url:?}: {e}"))?
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(deadline)
        .tcp_nodelay(true);
    Ok(endpoint.connect_lazy())
}
