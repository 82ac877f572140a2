//! Agents for operators (docs/OPERATORS_API.md, "Agents"): enable and
//! disable set the operator's switch (the agent's `GET /config` follows);
//! idempotent, unlike the field dashboard's toggle.

use crate::error::ApiError;
use crate::http::{AgentPath, ApiErrors, Operator};
use crate::state::AppState;
use actix_web::web;
use spot_contracts::v1;

/// The switch after the change.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct EnabledAnswer {
    pub agent_id: String,
    /// The operator's switch.
    pub operator_enabled: bool,
    /// What the agent's `GET /config` answers now (its role and the switch).
    pub config_enabled: bool,
}

async fn set(state: &AppState, op: Operator, enabled: bool) -> Result<web::Json<EnabledAnswer>, ApiError> {
    let done = state
        .lifecycle
        .set_agent_enabled(v1::SetAgentEnabledRequest {
            agent: Some(op.agent_ref()),
            enabled: Some(enabled),
            actor: op.actor.clone(),
            request_id: op.request_id.clone(),
        })
        .await?;
    // This replica at once; the others on lifecycle's AgentConfigChanged event.
    state.config_cache.invalidate(op.agent);
    Ok(web::Json(EnabledAnswer {
        agent_id: op.agent.to_string(),
        operator_enabled: done.operator_enabled,
        config_enabled: done.config_enabled,
    }))
}

/// `POST /api/agents/{agent_id}/enable`.
#[utoipa::path(post, path = "/api/agents/{agent_id}/enable", tag = "operator", summary = "Enable an agent (GET /config follows); idempotent",
    params(AgentPath), responses((status = 200, body = EnabledAnswer), ApiErrors))]
pub async fn enable(state: web::Data<AppState>, op: Operator) -> Result<web::Json<EnabledAnswer>, ApiError> {
    set(&state, op, true).await
}

/// `POST /api/agents/{agent_id}/disable`.
#[utoipa::path(post, path = "/api/agents/{agent_id}/disable", tag = "operator", summary = "Disable an agent (GET /config answers enabled: false); idempotent",
    params(AgentPath), responses((status = 200, body = EnabledAnswer), ApiErrors))]
pub async fn disable(state: web::Data<AppState>, op: Operator) -> Result<web::Json<EnabledAnswer>, ApiError> {
    set(&state, op, false).await
}

/// What a deletion did.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct AgentDeleted {
    pub agent_id: String,
    pub deleted: bool,
    /// Instances whose role became TERMINATED (a PRIMARY stays: the group
    /// keeps serving until the operator switches or deletes the group's agents).
    pub released_instances: Vec<String>,
    /// A CLEANUP command was queued (agents that run typed commands).
    pub cleanup_queued: bool,
}

/// `DELETE /api/agents/{agent_id}`: the agent's next `GET /config` answers
/// `enabled: false`, then every call about it is 404 (docs/OPERATORS_API.md,
/// "Deleting an agent"). Repeating the call after it succeeded is 404.
#[utoipa::path(delete, path = "/api/agents/{agent_id}", tag = "operator", summary = "Delete an agent: config answers enabled=false once, then 404",
    params(AgentPath), responses((status = 200, body = AgentDeleted), ApiErrors))]
pub async fn delete(state: web::Data<AppState>, op: Operator) -> Result<web::Json<AgentDeleted>, ApiError> {
    let done = state
        .lifecycle
        .delete_agent(v1::DeleteAgentRequest {
            agent: Some(op.agent_ref()),
            actor: op.actor.clone(),
            request_id: op.request_id.clone(),
        })
        .await?;
    crate::store::agents::mark_deleted(&state.db, op.agent, op.client).await?;
    crate::invalidation::announce_agent_deleted(&state, op.agent).await;
    tracing::info!(agent_id = %op.agent, actor = %op.actor, "agent deleted");
    Ok(web::Json(AgentDeleted {
        agent_id: op.agent.to_string(),
        deleted: true,
        released_instances: done.released_instances,
        cleanup_queued: done.cleanup_queued,
    }))
}
