//! What agents poll: config (60 s) and pending commands (15 s), answered from
//! the per-agent caches; and the report that a command ran.

use super::agents::{agent_ref, owned_agent};
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::agent_v4::{Accepted, AgentConfigBody};
use crate::wire::commands::{ExecutedRequest, PendingCommand};
use crate::wire::parse_json;
use actix_web::{HttpRequest, HttpResponse, web};
use spot_contracts::v1;
use std::sync::Arc;

/// `GET /api/agents/{id}/config` -> `{"enabled": bool}`.
#[utoipa::path(
    get,
    path = "/api/agents/{agent_id}/config",
    tag = "agent v4",
    summary = "Whether the agent is active (cached)",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    responses((status = 200, body = crate::wire::agent_v4::AgentConfigBody), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 404, description = "Unknown agent, or another tenant's (agent_not_found)", body = crate::openapi::ApiErrorBody), (status = 503, description = "Bus or lifecycle unavailable; retry after Retry-After", body = crate::openapi::ApiErrorBody))
)]
pub async fn config(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (client, agent) = owned_agent(&state, &req, &path).await?;
    if let Some(enabled) = state.config_cache.get(agent) {
        state.cache_lookups.with_label_values(&["config", "hit"]).inc();
        return Ok(HttpResponse::Ok().json(AgentConfigBody { enabled }));
    }
    state.cache_lookups.with_label_values(&["config", "miss"]).inc();
    let generation = state.config_cache.generation(agent);
    let answer = state
        .lifecycle
        .config(v1::GetAgentConfigRequest { client_id: client.to_string(), agent_id: agent.to_string() })
        .await?;
    state.config_cache.put(agent, generation, answer.enabled);
    Ok(HttpResponse::Ok().json(AgentConfigBody { enabled: answer.enabled }))
}

/// `GET /api/agents/{id}/pending-commands` -> a bare list, highest priority
/// first; v4 agents only ever see switch commands.
#[utoipa::path(
    get,
    path = "/api/agents/{agent_id}/pending-commands",
    tag = "agent v4",
    summary = "Open commands, highest priority first (bare list, cached)",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    responses((status = 200, body = Vec<crate::wire::commands::PendingCommand>), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 404, description = "Unknown agent, or another tenant's (agent_not_found)", body = crate::openapi::ApiErrorBody), (status = 503, description = "Bus or lifecycle unavailable; retry after Retry-After", body = crate::openapi::ApiErrorBody))
)]
pub async fn pending_commands(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (client, agent) = owned_agent(&state, &req, &path).await?;
    let commands = match state.commands_cache.get(agent) {
        Some(list) => {
            state.cache_lookups.with_label_values(&["pending_commands", "hit"]).inc();
            list
        }
        None => {
            state.cache_lookups.with_label_values(&["pending_commands", "miss"]).inc();
            let generation = state.commands_cache.generation(agent);
            let list = Arc::new(state.lifecycle.pending_commands(agent_ref(client, agent)).await?.commands);
            state.commands_cache.put(agent, generation, list.clone());
            list
        }
    };
    // A cached list may hold a command whose deadline passed since: such a
    // command is expired and never handed out (docs/EMERGENCY.md).
    let now = std::time::SystemTime::now();
    let body: Vec<PendingCommand> = commands
        .iter()
        .filter(|c| {
            c.deadline.as_ref().is_none_or(|d| std::time::SystemTime::try_from(*d).is_ok_and(|d| d > now))
        })
        .map(PendingCommand::from)
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

/// `POST /api/agents/{id}/commands/{cid}/executed {success, message}`.
#[utoipa::path(
    post,
    path = "/api/agents/{agent_id}/commands/{command_id}/executed",
    tag = "agent v4",
    summary = "Report that a command ran",
    params(("agent_id" = String, Path, description = "Agent id (UUID)"), ("command_id" = String, Path, description = "Command id")),
    request_body = crate::wire::commands::ExecutedRequest,
    responses((status = 200, body = crate::wire::agent_v4::Accepted), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 404, description = "Unknown agent, or another tenant's (agent_not_found)", body = crate::openapi::ApiErrorBody), (status = 409, description = "Conflicts with the current state (stable code)", body = crate::openapi::ApiErrorBody), (status = 503, description = "Bus or lifecycle unavailable; retry after Retry-After", body = crate::openapi::ApiErrorBody))
)]
pub async fn executed(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (agent_raw, command_id) = path.into_inner();
    let (client, agent) = owned_agent(&state, &req, &agent_raw).await?;
    let (success, message) = parse_json::<ExecutedRequest>(&body)?.parts()?;
    let request =
        v1::CommandExecutedRequest { agent: Some(agent_ref(client, agent)), command_id, success, message };
    state.lifecycle.command_executed(request).await?;
    state.commands_cache.invalidate(agent);
    Ok(HttpResponse::Ok().json(Accepted::OK))
}
