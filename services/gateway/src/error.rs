//! The gateway's one error type, mapped once to HTTP: a status, a stable
//! machine code, a message. 5xx bodies are opaque; the cause goes to the log.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use spot_platform::http::error_response;
use std::fmt;

/// Every error a gateway handler can return.
#[derive(Debug)]
pub enum ApiError {
    /// Body is not JSON at all (syntax, empty, wrong top-level type).
    MalformedJson(String),
    /// JSON parsed, but a field is missing or has the wrong type or value.
    InvalidField(String),
    /// Like `InvalidField`, naming the field (or query parameter) at fault
    /// in the body's `error.field`.
    Field { field: &'static str, message: String },
    /// Well-formed but refused (422), with a stable code: an `X-Request-ID`
    /// reused with a different body, an `invalid_webhook_url` (field in the message).
    Unprocessable { code: &'static str, message: String },
    /// Refused input with its own stable code (400), e.g. `not_onnx`.
    BadRequest { code: String, message: String },
    /// Missing or unknown bearer token.
    Unauthorized,
    /// Admin API called without the admin token.
    Forbidden(&'static str),
    /// The agent does not exist or belongs to another tenant.
    AgentNotFound,
    /// Another resource (command, replica) was not found for this agent.
    NotFound(String),
    /// The request conflicts with the current state (409), with a stable code.
    Conflict { code: String, message: String },
    /// JetStream is down or did not ack: the agent should retry.
    BusUnavailable,
    /// A backing service did not answer in time.
    DependencyUnavailable(&'static str),
    /// The tenant or the agent is over its request rate (429 + Retry-After
    /// in whole seconds; docs/HARDENING.md, "Rate limits").
    RateLimited { retry_after_secs: u64 },
    /// A request over one of the edge limits (docs/HARDENING.md, "Edge
    /// limits"): 413 body, 414 path, 431 headers.
    TooLarge(TooLarge),
    /// The handler did not answer within the request timeout (503 +
    /// Retry-After).
    Timeout,
    /// No admission slot came free within the wait: refused before any
    /// work (503 + Retry-After; docs/HARDENING.md, "Load shedding").
    Overloaded,
    /// Anything else; details only in the log.
    Internal(String),
}

/// Which edge limit a request broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TooLarge {
    /// The body is over the route's limit (bytes).
    Body(usize),
    /// The path (with its query string) is over the limit (bytes).
    Path(usize),
    /// The request's headers together are over the limit (bytes).
    Headers(usize),
}

impl ApiError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &str {
        match self {
            Self::MalformedJson(_) => "malformed_json",
            Self::InvalidField(_) | Self::Field { .. } => "invalid_field",
            Self::Unprocessable { code, .. } => code,
            Self::BadRequest { code, .. } => code,
            Self::Unauthorized => "unauthorized",
            Self::Forbidden(code) => code,
            Self::AgentNotFound => "agent_not_found",
            Self::NotFound(_) => "not_found",
            Self::Conflict { code, .. } => code,
            Self::BusUnavailable => "bus_unavailable",
            Self::DependencyUnavailable(_) => "dependency_unavailable",
            Self::RateLimited { .. } => "rate_limited",
            Self::TooLarge(TooLarge::Body(_)) => "payload_too_large",
            Self::TooLarge(TooLarge::Path(_)) => "uri_too_long",
            Self::TooLarge(TooLarge::Headers(_)) => "headers_too_large",
            Self::Timeout => "request_timeout",
            Self::Overloaded => "overloaded",
            Self::Internal(_) => "internal_error",
        }
    }

    /// Wraps any error as internal.
    pub fn internal(e: impl fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MalformedJson(m) => write!(f, "request body is not valid JSON: {m}"),
            Self::InvalidField(m) => write!(f, "{m}"),
            Self::Field { field, message } => write!(f, "{field}: {message}"),
            Self::Unprocessable { message, .. } => f.write_str(message),
            Self::BadRequest { message, .. } => f.write_str(message),
            Self::Unauthorized => f.write_str("missing or invalid bearer token"),
            Self::Forbidden(_) => f.write_str("not allowed"),
            Self::AgentNotFound => f.write_str("agent not found"),
            Self::NotFound(what) => write!(f, "{what}"),
            Self::Conflict { message, .. } => f.write_str(message),
            Self::BusUnavailable => f.write_str("event bus unavailable, retry later"),
            Self::DependencyUnavailable(what) => write!(f, "{what} unavailable, retry later"),
            Self::RateLimited { retry_after_secs } => {
                write!(f, "too many requests, retry after {retry_after_secs} s")
            }
            Self::TooLarge(TooLarge::Body(limit)) => write!(f, "request body is larger than {limit} bytes"),
            Self::TooLarge(TooLarge::Path(limit)) => write!(f, "request path is longer than {limit} bytes"),
            Self::TooLarge(TooLarge::Headers(limit)) => {
                write!(f, "request headers are larger than {limit} bytes")
            }
            Self::Timeout => f.write_str("the request took too long, retry later"),
            Self::Overloaded => f.write_str("the gateway is overloaded, retry later"),
            Self::Internal(_) => f.write_str("internal error"),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::MalformedJson(_) | Self::InvalidField(_) | Self::Field { .. } | Self::BadRequest { .. } => {
                StatusCode::BAD_REQUEST
            }
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::AgentNotFound | Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::BusUnavailable | Self::DependencyUnavailable(_) | Self::Timeout | Self::Overloaded => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::TooLarge(TooLarge::Body(_)) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::TooLarge(TooLarge::Path(_)) => StatusCode::URI_TOO_LONG,
            Self::TooLarge(TooLarge::Headers(_)) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::Internal(cause) = self {
            tracing::error!(cause = %cause, "internal error");
        }
        let mut response = match self {
            Self::Field { field, .. } => HttpResponse::build(self.status_code()).json(ApiErrorBody {
                error: ApiErrorDetail {
                    code: self.code().to_owned(),
                    message: self.to_string(),
                    field: Some((*field).to_owned()),
                },
            }),
            _ => error_response(self.status_code(), self.code(), &self.to_string()),
        };
        let retry_after = match self {
            Self::RateLimited { retry_after_secs } => Some((*retry_after_secs).max(1)),
            _ if self.status_code() == StatusCode::SERVICE_UNAVAILABLE => Some(1),
            _ => None,
        };
        if let Some(secs) = retry_after {
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(secs),
            );
        }
        response
    }
}

/// The JSON body of every non-2xx answer, as documented in the OpenAPI
/// document (the platform's `error_response` writes it).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

/// Stable machine code plus a message.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ApiErrorDetail {
    pub code: String,
    pub message: String,
    /// The field or query parameter at fault, when one is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    /// Pool exhausted or Postgres unreachable: the client should retry, not
    /// report a bug (`store::is_unavailable` decides which is which).
    fn from_database(unavailable: bool, e: impl fmt::Display) -> Self {
        if unavailable {
            tracing::warn!(error = %e, "database unavailable");
            Self::DependencyUnavailable("database")
        } else {
            Self::internal(e)
        }
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(e: sea_orm::DbErr) -> Self {
        Self::from_database(spot_platform::store::is_unavailable(&e), e)
    }
}

impl From<spot_platform::store::GroupCommitError> for ApiError {
    fn from(e: spot_platform::store::GroupCommitError) -> Self {
        Self::from_database(e.is_unavailable(), e)
    }
}

impl From<spot_platform::bus::PublishError> for ApiError {
    fn from(e: spot_platform::bus::PublishError) -> Self {
        tracing::warn!(error = %e, "publish failed");
        Self::BusUnavailable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_codes_are_stable() {
        let cases = [
            (ApiError::MalformedJson("x".into()), 400, "malformed_json"),
            (ApiError::InvalidField("x".into()), 400, "invalid_field"),
            (ApiError::Unauthorized, 401, "unauthorized"),
            (ApiError::AgentNotFound, 404, "agent_not_found"),
            (ApiError::BusUnavailable, 503, "bus_unavailable"),
            (
                ApiError::Unprocessable { code: "invalid_webhook_url", message: "url: x".into() },
                422,
                "invalid_webhook_url",
            ),
            (ApiError::Internal("secret cause".into()), 500, "internal_error"),
            (ApiError::RateLimited { retry_after_secs: 3 }, 429, "rate_limited"),
            (ApiError::TooLarge(TooLarge::Body(10)), 413, "payload_too_large"),
            (ApiError::TooLarge(TooLarge::Path(10)), 414, "uri_too_long"),
            (ApiError::TooLarge(TooLarge::Headers(10)), 431, "headers_too_large"),
            (ApiError::Timeout, 503, "request_timeout"),
            (ApiError::Overloaded, 503, "overloaded"),
        ];
        for (err, status, code) in cases {
            assert_eq!(err.status_code().as_u16(), status);
            assert_eq!(err.code(), code);
        }
        assert!(!ApiError::Internal("secret cause".into()).to_string().contains("secret"));
        for unavailable in [ApiError::BusUnavailable, ApiError::Overloaded] {
            let resp = unavailable.error_response();
            assert_eq!(resp.headers().get("retry-after").map(|v| v.as_bytes()), Some(&b"1"[..]));
        }
        let resp = ApiError::RateLimited { retry_after_secs: 7 }.error_response();
        assert_eq!(resp.headers().get("retry-after").map(|v| v.as_bytes()), Some(&b"7"[..]));
    }
}
