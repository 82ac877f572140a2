//! HTTP pieces every service shares: the ops routes (`/healthz`, `/readyz`,
//! `/metrics`), the JSON error body with a stable code, and a small admin
//! server for services that have no other HTTP surface.

use crate::health::Readiness;
use crate::metrics::PlatformMetrics;
use crate::shutdown::Shutdown;
use actix_web::http::StatusCode;
use actix_web::{App, HttpResponse, HttpServer, web};
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;

/// Error body of every non-2xx answer: `{"error": {"code", "message"}}`.
#[derive(Debug, Serialize)]
pub struct ErrorBody<'a> {
    pub error: ErrorDetail<'a>,
}

/// Stable machine code plus a human message.
#[derive(Debug, Serialize)]
pub struct ErrorDetail<'a> {
    pub code: &'a str,
    pub message: &'a str,
}

/// Builds an error response.
pub fn error_response(status: StatusCode, code: &str, message: &str) -> HttpResponse {
    HttpResponse::build(status).json(ErrorBody { error: ErrorDetail { code, message } })
}

/// State the ops routes need.
#[derive(Clone, Debug)]
pub struct OpsState {
    pub readiness: Readiness,
    pub metrics: Arc<PlatformMetrics>,
    pub service: &'static str,
}

async fn healthz(state: web::Data<OpsState>) -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok", "service": state.service}))
}

async fn readyz(state: web::Data<OpsState>) -> HttpResponse {
    let report = state.readiness.check().await;
    let status = if report.ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    HttpResponse::build(status).json(serde_json::json!({"service": state.service, "checks": report}))
}

async fn metrics(state: web::Data<OpsState>) -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render())
}

/// Adds `/healthz`, `/readyz` and `/metrics` to an app.
pub fn ops_routes(cfg: &mut web::ServiceConfig, state: OpsState) {
    cfg.app_data(web::Data::new(state))
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz))
        .route("/metrics", web::get().to(metrics));
}

/// A running HTTP server.
#[derive(Debug)]
pub struct RunningServer {
    /// Address actually bound (port 0 resolved).
    pub addr: SocketAddr,
    /// Completes when the server stopped.
    pub task: tokio::task::JoinHandle<()>,
}

/// Serves only the ops routes on `addr` until shutdown.
pub fn serve_ops(addr: SocketAddr, state: OpsState, shutdown: Shutdown) -> std::io::Result<RunningServer> {
    let server = HttpServer::new(move || {
        let state = state.clone();
        App::new().configure(move |cfg| ops_routes(cfg, state))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(10)
    .bind(addr)?;
    let addr = first_addr(&server.addrs())?;
    Ok(spawn_server(server.run(), addr, shutdown))
}

/// The first bound address of a server.
pub fn first_addr(addrs: &[SocketAddr]) -> std::io::Result<SocketAddr> {
    addrs.first().copied().ok_or_else(|| std::io::Error::other("server bound no address"))
}

/// Drives a started actix server and stops it gracefully (in-flight requests
/// finish) when shutdown fires.
pub fn spawn_server(server: actix_web::dev::Server, addr: SocketAddr, shutdown: Shutdown) -> RunningServer {
    let handle = server.handle();
    tokio::spawn(async move {
        shutdown.wait().await;
        handle.stop(true).await;
    });
    let task = tokio::spawn(async move {
        if let Err(e) = server.await {
            tracing::error!(error = %e, "http server failed");
        }
    });
    RunningServer { addr, task }
}
