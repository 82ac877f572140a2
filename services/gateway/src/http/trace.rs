//! A server span per HTTP request (docs/OBSERVABILITY.md): named by method
//! and route template (never the raw path, which holds agent ids), with the
//! status and, once a token resolved, the tenant id. Tokens and bodies are
//! never recorded. An incoming W3C `traceparent` makes the span its child.

use crate::routes::labels::RouteLabels;
use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use std::sync::Arc;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Field the tenant id is recorded in (see `auth::TokenCache::tenant`).
pub const TENANT_FIELD: &str = "tenant.id";

/// Middleware body for `actix_web::middleware::from_fn`.
pub async fn span(
    labels: Arc<RouteLabels>,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    // The one match of this request's route; the inner layers read it.
    let route = labels.matched(&req).label;
    let method = req.method().clone();
    let span = tracing::info_span!(
        "http.request",
        otel.name = %format!("{method} {route}"),
        otel.kind = "server",
        http.request.method = %method,
        http.route = %route,
        http.response.status_code = tracing::field::Empty,
        tenant.id = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    );
    let headers = req.headers();
    let parent = spot_platform::telemetry::extract_context_with(|name| {
        headers.get(name).and_then(|v| v.to_str().ok())
    });
    // Failing to set a parent only loses trace linkage, never the request.
    let _ = span.set_parent(parent);
    let result = next.call(req).instrument(span.clone()).await;
    let status = match &result {
        Ok(response) => response.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    result
}
