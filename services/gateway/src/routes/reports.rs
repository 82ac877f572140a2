//! Pricing and cleanup reports: validated, published to JetStream, answered
//! after the ack (the agent does not retry, so a 2xx means we have it).

use super::agents::{meta, owned_agent, request_id};
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::agent_v4::Accepted;
use crate::wire::parse_json;
use crate::wire::reports::{CleanupReportRequest, PricingReportRequest};
use actix_web::{HttpRequest, HttpResponse, web};

/// `POST /api/agents/{id}/pricing-report`.
#[utoipa::path(
    post,
    path = "/api/agents/{agent_id}/pricing-report",
    tag = "agent v4",
    summary = "Pricing report (published for the pricing service)",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    request_body = crate::wire::reports::PricingReportRequest,
    responses((status = 200, body = crate::wire::agent_v4::Accepted), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 404, description = "Unknown agent, or another tenant's (agent_not_found)", body = crate::openapi::ApiErrorBody), (status = 503, description = "Bus or lifecycle unavailable; retry after Retry-After", body = crate::openapi::ApiErrorBody))
)]
pub async fn pricing(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (client, agent) = owned_agent(&state, &req, &path).await?;
    let event =
        parse_json::<PricingReportRequest>(&body)?.into_event(meta(client, agent, request_id(&req)))?;
    state.bus.publish_event(&event).await?;
    Ok(HttpResponse::Ok().json(Accepted::OK))
}

/// `POST /api/agents/{id}/cleanup-report`.
#[utoipa::path(
    post,
    path = "/api/agents/{agent_id}/cleanup-report",
    tag = "agent v4",
    summary = "Hourly cleanup report",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    request_body = crate::wire::reports::CleanupReportRequest,
    responses((status = 200, body = crate::wire::agent_v4::Accepted), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 404, description = "Unknown agent, or another tenant's (agent_not_found)", body = crate::openapi::ApiErrorBody), (status = 503, description = "Bus or lifecycle unavailable; retry after Retry-After", body = crate::openapi::ApiErrorBody))
)]
pub async fn cleanup(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (client, agent) = owned_agent(&state, &req, &path).await?;
    let event =
        parse_json::<CleanupReportRequest>(&body)?.into_event(meta(client, agent, request_id(&req)))?;
    state.bus.publish_event(&event).await?;
    Ok(HttpResponse::Ok().json(Accepted::OK))
}
