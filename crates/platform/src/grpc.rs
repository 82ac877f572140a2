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
use spot_contracts::{ErrorCode, ServiceError};
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

/// What a service tells its callers when its database fails; the cause
/// goes to the log only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbAnswer {
    /// `internal_error`, except a constraint that rejected a concurrent
    /// write (recognised by its SQLSTATE), which is a generic conflict.
    InternalOrConflict,
    /// `internal_error`.
    Internal,
    /// `dependency_unavailable` with this message: callers may retry.
    Unavailable(&'static str),
}

impl DbAnswer {
    /// The answer to `err` in `service` (logged here, once).
    pub fn answer(self, service: &str, err: &sea_orm::DbErr) -> ServiceError {
        // A database that cannot be reached (cut, restarting, pool exhausted)
        // answers the same in every service: retry later, 503 at the gateway.
        // The fault suite restarts Postgres to check it (docs/HARDENING.md).
        if crate::store::is_unavailable(err) {
            tracing::warn!(error = %err, "{service} database unavailable");
            return ServiceError::new(ErrorCode::Unavailable, format!("{service} store unavailable"));
        }
        match self {
            Self::InternalOrConflict if crate::store::is_constraint_conflict(err) => {
                tracing::warn!(error = %err, "constraint rejected a {service} write");
                ServiceError::new(ErrorCode::CONFLICT, "conflicting concurrent change, retry")
            }
            Self::InternalOrConflict | Self::Internal => internal(service, "database", err, "internal error"),
            Self::Unavailable(message) => {
                tracing::error!(error = %err, "{service} database error");
                ServiceError::new(ErrorCode::Unavailable, message)
            }
        }
    }
}

/// A failure of `what` in `service` whose details stay in the log: the
/// caller gets `internal_error` with `message`.
pub fn internal(service: &str, what: &str, cause: &dyn std::fmt::Display, message: &str) -> ServiceError {
    tracing::error!(error = %cause, "{service} {what} error");
    ServiceError::new(ErrorCode::Internal, message)
}

/// Declares a service's error type, the one shape every service shares on
/// top of the error contract (`spot_contracts::ServiceError`, docs/ARCHITECTURE.md,
/// "Errors across services"): refusals with a stable code (bad input,
/// unknown resource, conflict), another service's error passed on, and
/// failures whose details only the log sees. It is converted to a
/// `ServiceError` (and so a `tonic::Status`) in one place; `database` says
/// what a database failure becomes ([`DbAnswer`]), `internal` the message a
/// defect answers with. Also declares `Result<T>` with the error.
#[macro_export]
macro_rules! service_error {
    (
        $(#[$doc:meta])*
        pub enum $name:ident;
        service: $service:literal,
        database: $db:expr,
        internal: $internal:literal $(,)?
    ) => {
        $(#[$doc])*
        #[derive(Debug, thiserror::Error)]
        pub enum $name {
            /// Bad input; `code` is stable (`invalid_field` or a domain rule's code).
            #[error("{message}")]
            Invalid { code: &'static str, message: String },
            /// Unknown (or another tenant's) agent, command, replica, model...
            #[error("{0} not found")]
            NotFound(&'static str),
            /// Conflicts with the current state; `code` says how.
            #[error("{message}")]
            Conflict { code: &'static str, message: String },
            /// Another service answered with an error; its code is passed on.
            #[error("upstream: {0}")]
            Upstream(::spot_contracts::ServiceError),
            /// Database failure; details only in the log.
            #[error("database: {0}")]
            Db(#[from] sea_orm::DbErr),
            /// A defect (a task stopped, a run failed); details only in the log.
            #[error("internal: {0}")]
            Internal(String),
        }

        /// Result alias.
        pub type Result<T> = ::std::result::Result<T, $name>;

        impl $name {
            /// Bad input with the generic field code.
            pub fn invalid(message: impl Into<String>) -> Self {
                Self::Invalid { code: "invalid_field", message: message.into() }
            }

            /// Bad input breaking the rule `code`.
            pub fn invalid_rule(code: &'static str, message: impl Into<String>) -> Self {
                Self::Invalid { code, message: message.into() }
            }

            /// A conflict with the current state; `code` says which.
            pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
                Self::Conflict { code, message: message.into() }
            }

            /// Wraps any failure as a defect.
            pub fn internal(e: impl ::std::fmt::Display) -> Self {
                Self::Internal(e.to_string())
            }

            /// `raw` (trimmed) as the id of a `what`; anything but a UUID
            /// cannot name one this service knows, so it is not found.
            pub fn known_id(raw: &str, what: &'static str) -> ::std::result::Result<::uuid::Uuid, Self> {
                ::uuid::Uuid::parse_str(raw.trim()).map_err(|_| Self::NotFound(what))
            }

            /// An optional id parameter `field`: absent or blank is none,
            /// anything but a UUID is bad input.
            pub fn optional_id(
                raw: Option<&str>,
                field: &str,
            ) -> ::std::result::Result<Option<::uuid::Uuid>, Self> {
                match raw.map(str::trim).filter(|s| !s.is_empty()) {
                    None => Ok(None),
                    Some(s) => ::uuid::Uuid::parse_str(s)
                        .map(Some)
                        .map_err(|_| Self::invalid(format!("{field} is not a UUID"))),
                }
            }
        }

        impl From<$name> for ::spot_contracts::ServiceError {
            fn from(e: $name) -> Self {
                use ::spot_contracts::{ErrorCode, ServiceError};
                match e {
                    $name::Invalid { code, message } => ServiceError::invalid(code, message),
                    $name::NotFound("agent") => ServiceError::new(ErrorCode::AgentNotFound, "agent not found"),
                    $name::NotFound(what) => ServiceError::not_found(what),
                    $name::Conflict { code, message } => ServiceError::conflict(code, message),
                    $name::Upstream(e) => e,
                    $name::Db(err) => $crate::grpc::DbAnswer::answer($db, $service, &err),
                    $name::Internal(cause) => $crate::grpc::internal($service, "internal", &cause, $internal),
                }
            }
        }

        impl From<$name> for tonic::Status {
            fn from(e: $name) -> Self {
                ::spot_contracts::ServiceError::from(e).into()
            }
        }
    };
}
