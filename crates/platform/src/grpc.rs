//! gRPC plumbing every service shares: the server start-up (bind, serve
//! until shutdown, let in-flight calls finish) and the client channel (lazy
//! connection, connect timeout, one deadline per call). Services hand in
//! their generated server wrapped in `tonic::service::Routes`, or take a
//! [`Channel`] for their generated client.
//!
//! Both sides are traced (docs/OBSERVABILITY.md): the client opens a span
//! per call and sends its W3C `traceparent` in the call's metadata; the
//! server opens a span per call as that span's child. Each span carries the
//! method and the gRPC status.

use crate::shutdown::Shutdown;
use crate::telemetry::{extract_http_context, inject_http_context};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tonic::body::Body;
use tonic::service::Routes;
use tonic::transport::{Endpoint, server::TcpIncoming};
use tower_service::Service;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// A running gRPC server.
#[derive(Debug)]
pub struct GrpcServer {
    /// Address actually bound (port 0 resolved).
    pub addr: SocketAddr,
    /// Completes when the server stopped.
    pub task: tokio::task::JoinHandle<()>,
}

/// Binds `addr` and serves `routes` until `shutdown` fires; calls in flight
/// then finish before the task completes. Every call gets a server span.
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
            .layer(tower_layer::layer_fn(move |inner| ServerTrace { inner, service: name }))
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

/// A lazily connected channel to `url` in which every call has `deadline`
/// and a client span. Lazy, so a caller starts even when the callee is not
/// up yet; `setting` names the configuration entry in the error of a
/// malformed URL.
pub fn channel(url: &str, setting: &str, deadline: Duration) -> Result<Channel, String> {
    let endpoint = Endpoint::from_shared(url.to_owned())
        .map_err(|e| format!("invalid {setting} {url:?}: {e}"))?
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(deadline)
        .tcp_nodelay(true);
    Ok(Channel { inner: endpoint.connect_lazy() })
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

/// tonic's channel with a client span per call; generated clients take it
/// like a `tonic::transport::Channel`.
#[derive(Clone, Debug)]
pub struct Channel {
    inner: tonic::transport::Channel,
}

impl Service<http::Request<Body>> for Channel {
    type Response = http::Response<Body>;
    type Error = tonic::transport::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Service::poll_ready(&mut self.inner, cx)
    }

    fn call(&mut self, mut request: http::Request<Body>) -> Self::Future {
        let method = request.uri().path().to_owned();
        let span = tracing::info_span!(
            "grpc.client",
            otel.name = %method,
            otel.kind = "client",
            rpc.system = "grpc",
            rpc.method = %method,
            rpc.grpc.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        inject_http_context(&span, request.headers_mut());
        let call = Service::call(&mut self.inner, request);
        let recorded = span.clone();
        Box::pin(
            async move {
                let result = call.await;
                match &result {
                    Ok(response) => record_status(&recorded, response.headers()),
                    Err(_) => {
                        recorded.record("rpc.grpc.status_code", tonic::Code::Unavailable as i32);
                    }
                }
                result
            }
            .instrument(span),
        )
    }
}

/// Server side of the tracing: a span per call, child of the caller's.
#[derive(Clone, Debug)]
pub struct ServerTrace<S> {
    inner: S,
    service: &'static str,
}

impl<S, B> Service<http::Request<Body>> for ServerTrace<S>
where
    S: Service<http::Request<Body>, Response = http::Response<B>> + Send + 'static,
    S::Future: Send + 'static,
    B: 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let method = request.uri().path().to_owned();
        let span = tracing::info_span!(
            "grpc.server",
            otel.name = %method,
            otel.kind = "server",
            service = self.service,
            rpc.system = "grpc",
            rpc.method = %method,
            rpc.grpc.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        // Failing to set a parent only loses trace linkage, never the call.
        let _ = span.set_parent(extract_http_context(request.headers()));
        let call = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        let recorded = span.clone();
        Box::pin(
            async move {
                let result = call.await;
                if let Ok(response) = &result {
                    record_status(&recorded, response.headers());
                }
                result
            }
            .instrument(span),
        )
    }
}

/// Records the `grpc-status` of a trailers-only answer (every error tonic
/// returns); a streamed answer carries it in trailers, and is then an OK.
fn record_status(span: &tracing::Span, headers: &http::HeaderMap) {
    let code = headers
        .get("grpc-status")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<i32>().ok())
        .unwrap_or(tonic::Code::Ok as i32);
    span.record("rpc.grpc.status_code", code);
    if code != tonic::Code::Ok as i32 {
        span.record("otel.status_code", "ERROR");
    }
}

/// Implements a generated tonic service trait as a table of handlers, so
/// every method has one shape: take the request, hand it to
/// `async fn(&State, Request) -> Result<Reply, E>` (with
/// `tonic::Status: From<E>`, the service's one error mapping), wrap the reply.
/// `|api| expr` says what the handlers get as their state, `api` being `&self`.
///
/// ```ignore
/// spot_platform::grpc_service! {
///     impl LifecycleService for LifecycleGrpc, |api| &api.db;
///     get_pending_commands(v1::AgentRef) -> v1::CommandList = calls::pending;
/// }
/// ```
#[macro_export]
macro_rules! grpc_service {
    (
        impl $service:ident for $ty:ty, |$api:ident| $state:expr;
        $($method:ident($req:ty) -> $reply:ty = $handler:path;)*
    ) => {
        #[tonic::async_trait]
        impl $service for $ty {
            $(
                async fn $method(
                    &self,
                    request: tonic::Request<$req>,
                ) -> ::std::result::Result<tonic::Response<$reply>, tonic::Status> {
                    let $api = self;
                    Ok(tonic::Response::new($handler($state, request.into_inner()).await?))
                }
            )*
        }
    };
}
