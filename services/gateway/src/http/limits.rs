//! Edge limits every request meets before its handler (docs/HARDENING.md,
//! "Edge limits"): path and header sizes, the `X-Request-ID` format, the
//! body size of the route's class, an admission slot
//! ([`super::admission`]), and the handler's time, shorter for agents'
//! calls. Each refusal is an [`ApiError`] with its stable code, documented
//! in [`super::ApiErrors`].

use super::admission::Admission;
use crate::error::{ApiError, TooLarge};
use crate::routes::labels::{RouteClass, RouteLabels};
use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;

/// Longest path plus query string accepted (bytes).
pub const MAX_PATH_BYTES: usize = 4096;
/// Largest total of header names and values accepted (bytes).
pub const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Longest `X-Request-ID` accepted (characters).
pub const MAX_REQUEST_ID: usize = 200;

/// The limits of the gateway's settings section (docs/CONFIGURATION.md).
#[derive(Debug, Clone, Copy)]
pub struct LimitSettings {
    pub tenant_per_sec: u32,
    pub tenant_burst: u32,
    pub agent_per_sec: u32,
    pub agent_burst: u32,
    /// Body limit of agent calls (paths under `/api/agents/`).
    pub agent_body: usize,
    /// Body limit of every other call but model uploads.
    pub operator_body: usize,
    /// Handler time of every call but the agents'.
    pub request_timeout: Duration,
    /// Handler time of the agents' calls: below the agent's own timeout, so
    /// no work goes on for an agent that gave up.
    pub agent_request_timeout: Duration,
    pub idempotency_retention: Duration,
}

impl LimitSettings {
    /// The largest body any route accepts (the payload extractors' limit).
    pub fn largest_body(&self) -> usize {
        self.agent_body.max(self.operator_body).max(crate::decisions_client::MAX_UPLOAD)
    }

    /// The body limit of a path: model uploads, agent calls, the rest.
    pub fn body_limit(&self, path: &str) -> usize {
        if path == "/api/admin/models/onnx" {
            crate::decisions_client::MAX_UPLOAD
        } else if path.starts_with("/api/agents/") {
            self.agent_body
        } else {
            self.operator_body
        }
    }

    /// The handler time of a route class.
    pub fn timeout_for(&self, class: RouteClass) -> Duration {
        match class {
            RouteClass::Agent | RouteClass::AgentPriority | RouteClass::AgentRegister => {
                self.agent_request_timeout
            }
            RouteClass::Operator | RouteClass::Ops => self.request_timeout,
        }
    }

    /// The longest handler time of any class.
    pub fn longest_timeout(&self) -> Duration {
        self.request_timeout.max(self.agent_request_timeout)
    }

    /// Small limits for unit tests: rates of 1/s, bodies of 2 KiB (agents)
    /// and 1 KiB (the rest), handlers 1 s.
    #[cfg(test)]
    pub(crate) fn tiny() -> Self {
        Self {
            tenant_per_sec: 1,
            tenant_burst: 1,
            agent_per_sec: 1,
            agent_burst: 1,
            agent_body: 2048,
            operator_body: 1024,
            request_timeout: Duration::from_secs(1),
            agent_request_timeout: Duration::from_secs(1),
            idempotency_retention: Duration::from_secs(60),
        }
    }
}

/// Checks a request against the limits that need no handler: path, headers,
/// `X-Request-ID`, declared body size. A body sent without a length is cut
/// off at the limit while it is read (413 from the payload extractor).
pub fn check(limits: &LimitSettings, req: &mut ServiceRequest) -> Result<(), ApiError> {
    let path_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if path_len > MAX_PATH_BYTES {
        return Err(ApiError::TooLarge(TooLarge::Path(MAX_PATH_BYTES)));
    }
    if let Some(raw) = req.uri().path_and_query()
        && raw.as_str().as_bytes().windows(3).any(|w| w.eq_ignore_ascii_case(b"%00"))
    {
        // Postgres text cannot hold U+0000 (a search or id would fail deep
        // inside a service): refused here, typed.
        return Err(ApiError::InvalidField("the path and query must not contain %00".into()));
    }
    let header_bytes: usize = req.headers().iter().map(|(n, v)| n.as_str().len() + v.len()).sum();
    if header_bytes > MAX_HEADER_BYTES {
        return Err(ApiError::TooLarge(TooLarge::Headers(MAX_HEADER_BYTES)));
    }
    if let Some(id) = req.headers().get("x-request-id") {
        let valid =
            id.to_str().ok().map(str::trim).is_some_and(|v| {
                v.chars().count() <= MAX_REQUEST_ID && v.chars().all(|c| c.is_ascii_graphic())
            });
        if !valid {
            return Err(ApiError::Field {
                field: "X-Request-ID",
                message: format!("must be at most {MAX_REQUEST_ID} visible ASCII characters"),
            });
        }
    }
    let limit = limits.body_limit(req.path());
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(len) if len > limit as u64 => return Err(ApiError::TooLarge(TooLarge::Body(limit))),
        Some(_) => {}
        None => cap_payload(req, limit),
    }
    Ok(())
}

/// Makes a body of unknown length fail with `Overflow` past `limit` bytes.
fn cap_payload(req: &mut ServiceRequest, limit: usize) {
    let mut seen = 0usize;
    let capped = req.take_payload().map(move |chunk| {
        let chunk = chunk?;
        seen += chunk.len();
        if seen > limit { Err(PayloadError::Overflow) } else { Ok(chunk) }
    });
    req.set_payload(actix_web::dev::Payload::Stream { payload: Box::pin(capped) });
}

/// Middleware body: refuses a request over the limits of [`check`], then
/// one that gets no admission slot in time (503 `overloaded`); the slot is
/// held while the inner layers run. Outside the idempotency layer (which
/// reads the capped body), so a refused request costs no database work.
pub async fn guard<B: MessageBody + 'static>(
    limits: LimitSettings,
    admission: Admission,
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if let Err(e) = check(&limits, &mut req) {
        return Ok(req.error_response(e).map_into_right_body());
    }
    let slot = match admission.enter_request(&req).await {
        Ok(slot) => slot,
        Err(e) => return Ok(req.error_response(e).map_into_right_body()),
    };
    let answer = next.call(req).await;
    drop(slot);
    answer.map(ServiceResponse::map_into_left_body)
}

/// Middleware body: the handler under the request timeout of its route's
/// class (503 `request_timeout` + Retry-After). Inside the idempotency
/// layer, so a timed-out first attempt releases its key. A streamed answer
/// (the live stream) is timed only until its head is ready. The refusal
/// travels as an error: holding a clone of the request to build a response
/// would keep actix from routing it (the router needs the only reference).
pub async fn timeout<B: MessageBody + 'static>(
    limits: LimitSettings,
    labels: Arc<RouteLabels>,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let limit = limits.timeout_for(labels.matched(&req).class);
    match tokio::time::timeout(limit, next.call(req)).await {
        Ok(answer) => answer,
        Err(_) => {
            // The request's span names the route.
            tracing::warn!("request timed out");
            Err(ApiError::Timeout.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn code(req: TestRequest) -> Option<String> {
        let mut req = req.to_srv_request();
        check(&LimitSettings::tiny(), &mut req).err().map(|e| e.code().to_owned())
    }

    #[test]
    fn each_limit_has_its_code() {
        let long = format!("/api/savings?q={}", "a".repeat(MAX_PATH_BYTES));
        assert_eq!(code(TestRequest::get().uri(&long)).as_deref(), Some("uri_too_long"));
        let big = "b".repeat(MAX_HEADER_BYTES);
        let headers = TestRequest::get().uri("/api/savings").insert_header(("x-big", big));
        assert_eq!(code(headers).as_deref(), Some("headers_too_large"));
        let id = TestRequest::post().uri("/api/webhooks").insert_header(("x-request-id", "a b"));
        assert_eq!(code(id).as_deref(), Some("invalid_field"));
        let id = TestRequest::post().uri("/api/webhooks").insert_header(("x-request-id", "x".repeat(201)));
        assert_eq!(code(id).as_deref(), Some("invalid_field"));
        assert_eq!(
            code(TestRequest::get().uri("/api/admin/tenants?q=a%00b")).as_deref(),
            Some("invalid_field")
        );
        let ok = TestRequest::post().uri("/api/webhooks").insert_header(("x-request-id", "retry-1"));
        assert_eq!(code(ok), None);
    }

    #[test]
    fn body_limits_follow_the_route_class() {
        let sized = |path: &str, len: usize| {
            TestRequest::post().uri(path).insert_header(("content-length", len.to_string()))
        };
        assert_eq!(code(sized("/api/webhooks", 1025)).as_deref(), Some("payload_too_large"));
        assert_eq!(code(sized("/api/webhooks", 1024)), None);
        assert_eq!(code(sized("/api/agents/x/heartbeat", 2048)), None);
        assert_eq!(code(sized("/api/agents/x/heartbeat", 2049)).as_deref(), Some("payload_too_large"));
        assert_eq!(code(sized("/api/admin/models/onnx", 1 << 20)), None);
    }
}
