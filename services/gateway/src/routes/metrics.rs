//! Request counting and latency per route pattern (not per raw path, so
//! agent ids do not explode the label set).

use super::labels::RouteLabels;
use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use spot_platform::metrics::PlatformMetrics;
use std::sync::Arc;
use std::time::Instant;

/// Middleware body for `actix_web::middleware::from_fn`.
pub async fn record(
    metrics: Arc<PlatformMetrics>,
    labels: Arc<RouteLabels>,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let route = labels.matched(&req).label;
    let method = req.method().clone();
    let response = next.call(req).await;
    // An error (a timed-out handler, `http::limits::timeout`) is answered
    // by actix after this point: count it with the status it will get.
    let status = match &response {
        Ok(response) => response.status(),
        Err(e) => e.as_response_error().status_code(),
    };
    metrics.http_requests.with_label_values(&[&*route, method.as_str(), status.as_str()]).inc();
    metrics.http_latency.with_label_values(&[&*route]).observe(started.elapsed().as_secs_f64());
    response
}
