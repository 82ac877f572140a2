//! What every HTTP handler of the gateway shares: the callers it accepts
//! (extractors that authenticate a request and resolve the agent in its
//! path), the request id an answer is traced with, and the error responses
//! documented once for the OpenAPI annotations.
//!
//! A handler reads as "who calls, parse, call, map": the first step is an
//! argument of one of the types in [`caller`], the error statuses are
//! [`responses::ApiErrors`].

pub mod admission;
pub mod caller;
pub mod documented;
pub mod idempotency;
pub mod limits;
pub mod rate;
pub mod responses;
pub mod trace;

pub use caller::{Admin, AgentCaller, ClientScope, Operator, Reader, agent_ref};
pub use responses::ApiErrors;

use crate::error::ApiError;
use actix_web::{HttpRequest, web};

/// What most handlers return: a JSON body, or an error mapped once in
/// [`ApiError`].
pub type Reply<T> = Result<web::Json<T>, ApiError>;

/// The `{agent_id}` path parameter, documented once.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct AgentPath {
    /// Agent id (UUID)
    pub agent_id: String,
}

/// The `{agent_id}` and `{replica_id}` path parameters, documented once.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ReplicaPath {
    /// Agent id (UUID)
    pub agent_id: String,
    /// Replica id
    pub replica_id: String,
}

/// The `X-Request-ID` header, trimmed and cut to 200 characters; empty when absent.
pub fn request_id(req: &HttpRequest) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().chars().take(200).collect())
        .unwrap_or_default()
}

/// A CSV download: `header`, then one line each, as `filename`.
pub fn csv_response(filename: &str, header: &str, lines: Vec<String>) -> actix_web::HttpResponse {
    let mut body = String::with_capacity(64 * (lines.len() + 1));
    body.push_str(header);
    body.push('\n');
    for line in lines {
        body.push_str(&line);
        body.push('\n');
    }
    actix_web::HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{filename}\"")))
        .body(body)
}

/// Publishes an agent's report to JetStream and answers `{"status": "ok"}`
/// only after the ack (the agent does not retry, so a 2xx means we have it);
/// 503 + Retry-After when the bus is down.
pub async fn publish_then_accept<E: spot_contracts::Event>(
    state: &crate::state::AppState,
    event: &E,
) -> Reply<crate::wire::agent_v4::Accepted> {
    state.bus.publish_event(event).await?;
    Ok(web::Json(crate::wire::agent_v4::Accepted::OK))
}
