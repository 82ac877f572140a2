//! Switches: the agent's report of a finished switch, and an operator's
//! manual switch command.

use crate::error::ApiError;
use crate::http::{AgentCaller, AgentPath, ApiErrors, Operator, Reply};
use crate::state::AppState;
use crate::wire::commands::{CommandView, IssueSwitchRequest};
use crate::wire::switch_report::SwitchReportRequest;
use crate::wire::{clean, parse_json};
use actix_web::{HttpResponse, web};
use spot_contracts::v1;

/// `POST /api/agents/{id}/switch-report`: roles swap atomically in lifecycle.
#[utoipa::path(post, path = "/api/agents/{agent_id}/switch-report", tag = "agent v4",
    summary = "Report a finished switch: roles swap atomically", params(AgentPath),
    request_body = SwitchReportRequest, responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn switch_report(
    state: web::Data<AppState>,
    caller: AgentCaller,
    body: web::Bytes,
) -> Reply<serde_json::Value> {
    let call = parse_json::<SwitchReportRequest>(&body)?.into_grpc(caller.agent_ref(), caller.request_id)?;
    let done = state.lifecycle.report_switch(call).await?;
    state.config_cache.invalidate(caller.agent);
    Ok(web::Json(serde_json::json!({
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
#[utoipa::path(post, path = "/api/agents/{agent_id}/issue-switch-command", tag = "operator",
    summary = "Queue a manual switch (X-Request-ID required, idempotent)", params(AgentPath),
    request_body = IssueSwitchRequest, responses((status = 201, body = CommandView), ApiErrors))]
pub async fn issue_switch_command(
    state: web::Data<AppState>,
    operator: Operator,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let parsed = parse_json::<IssueSwitchRequest>(&body)?;
    let agent = Some(operator.agent_ref());
    let request_id = clean(parsed.request_id).unwrap_or(operator.request_id);
    if request_id.is_empty() {
        return Err(ApiError::InvalidField("X-Request-ID header (or request_id) is required".into()));
    }
    let target_mode = clean(parsed.target_mode)
        .ok_or_else(|| ApiError::InvalidField("target_mode is required (spot or ondemand)".into()))?;
    let answer = state
        .lifecycle
        .issue_switch(v1::IssueSwitchCommandRequest {
            agent,
            target_mode,
            target_pool_id: clean(parsed.target_pool_id),
            request_id,
            actor: operator.actor,
        })
        .await?;
    let command =
        answer.command.as_ref().ok_or_else(|| ApiError::internal("lifecycle returned no command"))?;
    state.commands_cache.invalidate(operator.agent);
    let mut response = HttpResponse::Created();
    if !answer.created {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.json(CommandView::from(command)))
}
