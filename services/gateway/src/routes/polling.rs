//! What agents poll: config (60 s) and pending commands (15 s), answered from
//! the per-agent caches; and the report that a command ran.

use crate::error::ApiError;
use crate::http::{AgentCaller, AgentPath, ApiErrors, Reply};
use crate::state::AppState;
use crate::wire::agent_v4::{Accepted, AgentConfigBody};
use crate::wire::commands::{ExecutedRequest, PendingCommand};
use crate::wire::parse_json;
use actix_web::web;
use spot_contracts::v1;
use std::sync::Arc;

/// `GET /api/agents/{id}/config` -> `{"enabled": bool}`.
#[utoipa::path(get, path = "/api/agents/{agent_id}/config", tag = "agent v4",
    summary = "Whether the agent is active (cached)", params(AgentPath),
    responses((status = 200, body = AgentConfigBody), ApiErrors))]
pub async fn config(state: web::Data<AppState>, req: actix_web::HttpRequest) -> Reply<AgentConfigBody> {
    let caller = match AgentCaller::resolve(&req).await {
        Ok(caller) => caller,
        Err(ApiError::AgentNotFound) => return farewell(&state, &req).await,
        Err(e) => return Err(e),
    };
    let agent = caller.agent;
    if let Some(enabled) = state.config_cache.get(agent) {
        state.cache_lookups.with_label_values(&["config", "hit"]).inc();
        return Ok(web::Json(AgentConfigBody { enabled }));
    }
    state.cache_lookups.with_label_values(&["config", "miss"]).inc();
    let generation = state.config_cache.generation(agent);
    let answer = state
        .lifecycle
        .config(v1::GetAgentConfigRequest {
            client_id: caller.client.to_string(),
            agent_id: agent.to_string(),
        })
        .await?;
    state.config_cache.put(agent, generation, answer.enabled);
    Ok(web::Json(AgentConfigBody { enabled: answer.enabled }))
}

/// A deleted agent's first config poll answers `enabled: false` (so it
/// stops acting); every later call is 404 (docs/OPERATORS_API.md).
async fn farewell(state: &AppState, req: &actix_web::HttpRequest) -> Reply<AgentConfigBody> {
    let tenant = state.tokens.tenant(&state.db, req).await?;
    let agent = crate::http::caller::path_agent(req)?;
    if crate::store::agents::farewell(&state.db, agent, tenant.id).await? {
        return Ok(web::Json(AgentConfigBody { enabled: false }));
    }
    Err(ApiError::AgentNotFound)
}

/// `GET /api/agents/{id}/pending-commands` -> a bare list, highest priority
/// first; v4 agents only ever see switch commands.
#[utoipa::path(get, path = "/api/agents/{agent_id}/pending-commands", tag = "agent v4",
    summary = "Open commands, highest priority first (bare list, cached)", params(AgentPath),
    responses((status = 200, body = Vec<PendingCommand>), ApiErrors))]
pub async fn pending_commands(state: web::Data<AppState>, caller: AgentCaller) -> Reply<Vec<PendingCommand>> {
    let agent = caller.agent;
    let commands = match state.commands_cache.get(agent) {
        Some(list) => {
            state.cache_lookups.with_label_values(&["pending_commands", "hit"]).inc();
            list
        }
        None => {
            state.cache_lookups.with_label_values(&["pending_commands", "miss"]).inc();
            let generation = state.commands_cache.generation(agent);
            let list = Arc::new(state.lifecycle.pending_commands(caller.agent_ref()).await?.commands);
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
    Ok(web::Json(body))
}

/// `POST /api/agents/{id}/commands/{cid}/executed {success, message}`.
#[utoipa::path(post, path = "/api/agents/{agent_id}/commands/{command_id}/executed", tag = "agent v4",
    summary = "Report that a command ran", params(AgentPath, ("command_id" = String, Path, description = "Command id")),
    request_body = ExecutedRequest, responses((status = 200, body = Accepted), ApiErrors))]
pub async fn executed(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    caller: AgentCaller,
    body: web::Bytes,
) -> Reply<Accepted> {
    let (success, message) = parse_json::<ExecutedRequest>(&body)?.parts()?;
    let (_, command_id) = path.into_inner();
    let request =
        v1::CommandExecutedRequest { agent: Some(caller.agent_ref()), command_id, success, message };
    state.lifecycle.command_executed(request).await?;
    state.commands_cache.invalidate(caller.agent);
    Ok(web::Json(Accepted::OK))
}
