//! Switches: the agent's report of a finished switch, and an operator's
//! manual switch command.

use super::agents::{agent_ref, operator_agent, owned_agent, request_id};
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::commands::{CommandView, IssueSwitchRequest};
use crate::wire::parse_json;
use crate::wire::switch_report::SwitchReportRequest;
use actix_web::{HttpRequest, HttpResponse, web};
use spot_contracts::v1;

/// `POST /api/agents/{id}/switch-report`: roles swap atomically in lifecycle.
#[utoipa::path(
    post,
    path = "/api/agents/{agent_id}/switch-report",
    tag = "agent v4",
    summary = "Report a finished switch: roles swap atomically",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    request_body = crate::wire::switch_report::SwitchReportRequest,
    responses((status = 200, body = serde_json::Value), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 404, description = "Unknown agent, or another tenant's (agent_not_found)", body = crate::openapi::ApiErrorBody), (status = 409, description = "Conflicts with the current state (stable code)", body = crate::openapi::ApiErrorBody), (status = 503, description = "Bus or lifecycle unavailable; retry after Retry-After", body = crate::openapi::ApiErrorBody))
)]
pub async fn switch_report(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (client, agent) = owned_agent(&state, &req, &path).await?;
    let call =
        parse_json::<SwitchReportRequest>(&body)?.into_grpc(agent_ref(client, agent), request_id(&req))?;
    let done = state.lifecycle.report_switch(call).await?;
    state.config_cache.invalidate(agent);
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "status": "ok",
        "switch_id": done.switch_id,
        "downtime_seconds": done.downtime_seconds,
        "total_seconds": done.total_seconds,
        "duplicate": done.duplicate,
    })))
}

/// `POST /api/agents/{id}/issue-switch-command {target_mode, target_pool_id}`
/// with `X-Request-ID`: 201 with the command. A retry with the same request
/// id gets the identical answer (marked `Idempotent-Replayed: true`) and
/// queues nothing.
#[utoipa::path(
    post,
    path = "/api/agents/{agent_id}/issue-switch-command",
    tag = "operator",
    summary = "Queue a manual switch (X-Request-ID required, idempotent)",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    request_body = crate::wire::commands::IssueSwitchRequest,
    responses((status = 201, body = crate::wire::commands::CommandView), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 404, description = "Unknown agent, or another tenant's (agent_not_found)", body = crate::openapi::ApiErrorBody), (status = 503, description = "Bus or lifecycle unavailable; retry after Retry-After", body = crate::openapi::ApiErrorBody))
)]
pub async fn issue_switch_command(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (client, agent, actor) = operator_agent(&state, &req, &path).await?;
    let parsed = parse_json::<IssueSwitchRequest>(&body)?;
    let header = request_id(&req);
    let request_id = crate::wire::clean(parsed.request_id).unwrap_or(header);
    if request_id.is_empty() {
        return Err(ApiError::InvalidField("X-Request-ID header (or request_id) is required".into()));
    }
    let target_mode = crate::wire::clean(parsed.target_mode)
        .ok_or_else(|| ApiError::InvalidField("target_mode is required (spot or ondemand)".into()))?;
    let answer = state
        .lifecycle
        .issue_switch(v1::IssueSwitchCommandRequest {
            agent: Some(agent_ref(client, agent)),
            target_mode,
            target_pool_id: crate::wire::clean(parsed.target_pool_id),
            request_id,
            actor,
        })
        .await?;
    let command =
        answer.command.as_ref().ok_or_else(|| ApiError::internal("lifecycle returned no command"))?;
    state.commands_cache.invalidate(agent);
    let view = CommandView::from(command);
    let mut response = HttpResponse::Created();
    if !answer.created {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.json(view))
}
