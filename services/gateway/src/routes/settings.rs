//! Group settings of an agent's group (operator).

use crate::http::{AgentPath, ApiErrors, Operator, Reply};
use crate::state::AppState;
use crate::wire::parse_json;
use actix_web::web;
use spot_contracts::v1;

#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct SettingsBody {
    pub auto_switch: Option<bool>,
    pub manual_replica: Option<bool>,
    pub auto_terminate: Option<bool>,
    pub terminate_wait_seconds: Option<i32>,
    pub min_savings_percent: Option<f64>,
    pub max_switches_per_week: Option<i32>,
    pub min_pool_duration_hours: Option<i32>,
    /// Percent of time the workload must be served (0..100, default 99.9).
    pub availability_target_percent: Option<f64>,
}

fn view(s: &v1::GroupSettings) -> serde_json::Value {
    serde_json::json!({
        "group_id": s.group_id,
        "logical_agent_id": s.logical_agent_id,
        "auto_switch": s.auto_switch,
        "manual_replica": s.manual_replica,
        "auto_terminate": s.auto_terminate,
        "terminate_wait_seconds": s.terminate_wait_seconds,
        "min_savings_percent": s.min_savings_percent,
        "max_switches_per_week": s.max_switches_per_week,
        "min_pool_duration_hours": s.min_pool_duration_hours,
        "availability_target_percent": s.availability_target_percent,
        "version": s.version,
    })
}

/// `GET /api/agents/{id}/settings`.
#[utoipa::path(get, path = "/api/agents/{agent_id}/settings", tag = "operator",
    summary = "Settings of the agent's group", params(AgentPath),
    responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn get(state: web::Data<AppState>, operator: Operator) -> Reply<serde_json::Value> {
    let s = state.lifecycle.group_settings(operator.agent_ref()).await?;
    Ok(web::Json(view(&s)))
}

/// `PATCH /api/agents/{id}/settings`: 409 `auto_switch_manual_replica_conflict`
/// when auto_switch and manual_replica would both be on.
#[utoipa::path(patch, path = "/api/agents/{agent_id}/settings", tag = "operator",
    summary = "Change group settings (409 when auto_switch and manual_replica would both be on)",
    params(AgentPath), request_body = SettingsBody, responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn update(
    state: web::Data<AppState>,
    operator: Operator,
    body: web::Bytes,
) -> Reply<serde_json::Value> {
    let b = parse_json::<SettingsBody>(&body)?;
    let s = state
        .lifecycle
        .update_group_settings(v1::UpdateGroupSettingsRequest {
            agent: Some(operator.agent_ref()),
            auto_switch: b.auto_switch,
            manual_replica: b.manual_replica,
            auto_terminate: b.auto_terminate,
            terminate_wait_seconds: b.terminate_wait_seconds,
            min_savings_percent: b.min_savings_percent,
            max_switches_per_week: b.max_switches_per_week,
            min_pool_duration_hours: b.min_pool_duration_hours,
            availability_target_percent: b.availability_target_percent,
            actor: operator.actor,
            request_id: operator.request_id,
        })
        .await?;
    Ok(web::Json(view(&s)))
}
