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
