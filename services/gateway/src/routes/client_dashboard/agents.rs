//! Agents page: the list, one agent, the enable toggle and the settings modal.

use super::{ClientIdPath, DashError, DashErrors, DashResult, OwnClient, one_agent, owned_agent};
use crate::error::ApiError;
use crate::http::{AgentPath, agent_ref, request_id};
use crate::state::AppState;
use crate::wire::dashboard::{
    AgentsEnvelope, DashAgent, SuccessBody, ToggleRequest, ToggleResponse, agent_status, utc,
};
use crate::wire::parse_optional_json;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;
use spot_contracts::v1;
use spot_domain::ClientId;

/// The dashboard's status of an agent (see [`agent_status`]).
pub fn status_of(a: &v1::AgentOverview) -> &'static str {
    agent_status(&a.status, &a.reported_status, a.config_enabled, a.switching)
}

/// Our agent overview in the dashboard's words.
pub fn dash_agent(a: &v1::AgentOverview) -> DashAgent {
    let instance = a.instance.clone().unwrap_or_default();
    let mode = if instance.mode == v1::InstanceMode::OnDemand as i32 { "ondemand" } else { "spot" };
    DashAgent {
        id: a.agent_id.clone(),
        logical_agent_id: a.logical_agent_id.clone(),
        hostname: Some(a.hostname.clone()).filter(|h| !h.is_empty()),
        instance_id: instance.instance_id,
        instance_type: instance.instance_type,
        region: instance.region,
        az: instance.az,
        current_mode: mode.to_owned(),
        status: status_of(a).to_owned(),
        last_heartbeat_at: utc(&a.last_heartbeat_at),
        enabled: a.operator_enabled,
        auto_switch_enabled: a.auto_switch,
        auto_terminate_enabled: a.auto_terminate,
        manual_replica_enabled: a.manual_replica,
        replica_count: a.replica_count,
        role: a.role.clone(),
        config_enabled: a.config_enabled,
    }
}

/// The tenant's live agents.
pub async fn live_agents(state: &AppState, client: ClientId) -> Result<Vec<v1::AgentOverview>, ApiError> {
    let list = state
        .lifecycle
        .agent_overviews(v1::AgentOverviewRequest { client_id: client.to_string(), agent_id: None })
        .await?;
    Ok(list.agents)
}

/// `GET /api/client/{client_id}/agents`.
#[utoipa::path(
    get,
    path = "/api/client/{client_id}/agents",
    tag = "client dashboard",
    summary = "Agents page: the tenant's live agents with their settings",
    params(ClientIdPath),
    responses((status = 200, body = AgentsEnvelope), DashErrors)
)]
pub async fn list(state: web::Data<AppState>, OwnClient(client): OwnClient) -> DashResult {
    let agents = live_agents(&state, client).await?.iter().map(dash_agent).collect();
    Ok(HttpResponse::Ok().json(AgentsEnvelope { agents }))
}

/// `GET /api/agents/{agent_id}`: the agent object of the list, bare.
#[utoipa::path(
    get,
    path = "/api/agents/{agent_id}",
    tag = "client dashboard",
    summary = "One agent (any registration of the tenant)",
    params(AgentPath),
    responses((status = 200, body = DashAgent), DashErrors, (status = 404, description = "Unknown agent, or another tenant's: {\"error\":\"Agent not found\"}", body = serde_json::Value))
)]
pub async fn get(state: web::Data<AppState>, req: HttpRequest) -> DashResult {
    let (client, agent, _) = owned_agent(&req).await?;
    let one =
        one_agent(&state, client, agent).await?.ok_or_else(|| DashError::from(ApiError::AgentNotFound))?;
    Ok(HttpResponse::Ok().json(dash_agent(&one)))
}

/// `POST /api/client/agents/{agent_id}/toggle-enabled` (empty body flips).
#[utoipa::path(
    post,
    path = "/api/client/agents/{agent_id}/toggle-enabled",
    tag = "client dashboard",
    summary = "Flip the operator's enable switch (GET /config follows); {\"enabled\": bool} sets it",
    params(AgentPath),
    request_body(content = ToggleRequest, description = "Optional; empty body flips"),
    responses((status = 200, body = ToggleResponse), DashErrors, (status = 400, description = "Malformed body", body = serde_json::Value), (status = 404, description = "Unknown agent, or another tenant's", body = serde_json::Value))
)]
pub async fn toggle(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> DashResult {
    let (client, agent, actor) = owned_agent(&req).await?;
    let wanted = parse_optional_json::<ToggleRequest>(&body)?.enabled;
    let done = state
        .lifecycle
        .set_agent_enabled(v1::SetAgentEnabledRequest {
            agent: Some(agent_ref(client, agent)),
            enabled: wanted,
            actor,
            request_id: request_id(&req),
        })
        .await?;
    // This replica at once; the others on lifecycle's AgentConfigChanged event.
    state.config_cache.invalidate(agent);
    Ok(HttpResponse::Ok().json(ToggleResponse {
        success: true,
        agent_id: agent.to_string(),
        enabled: done.operator_enabled,
    }))
}

/// The settings modal's body, field by field (see [`settings`]).
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct SettingsRequest {
    pub auto_switch_enabled: Option<bool>,
    pub auto_terminate_enabled: Option<bool>,
    pub manual_replica_enabled: Option<bool>,
    /// 0-5 as a number or a numeric string; `""` (a cleared field) is ignored.
    #[schema(value_type = Option<Object>)]
    pub replica_count: Option<Value>,
}

/// `replica_count` as the modal sends it: a number, a numeric string, or `""`.
pub fn replica_count(raw: Option<&Value>) -> Result<Option<i32>, ApiError> {
    let bad = || ApiError::InvalidField("replica_count must be a whole number 0-5".into());
    let n = match raw {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(None),
        Some(Value::String(s)) => s.trim().parse::<i64>().map_err(|_| bad())?,
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i,
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e9 => f as i64,
            _ => return Err(bad()),
        },
        Some(_) => return Err(bad()),
    };
    if (0..=5).contains(&n) { Ok(i32::try_from(n).ok()) } else { Err(bad()) }
}

/// `POST /api/client/agents/{agent_id}/settings`: 409 when auto_switch and
/// manual_replica would both be on (nothing is changed then).
#[utoipa::path(
    post,
    path = "/api/client/agents/{agent_id}/settings",
    tag = "client dashboard",
    summary = "Settings modal: auto switch, auto terminate, manual replica, replica count",
    params(AgentPath),
    request_body = SettingsRequest,
    responses((status = 200, body = SuccessBody), DashErrors, (status = 400, description = "Malformed body or replica_count out of 0-5", body = serde_json::Value), (status = 404, description = "Unknown agent, or another tenant's", body = serde_json::Value), (status = 409, description = "auto_switch and manual_replica both on (auto_switch_manual_replica_conflict)", body = serde_json::Value))
)]
pub async fn settings(state: web::Data<AppState>, req: HttpRequest, body: web::Bytes) -> DashResult {
    let (client, agent, actor) = owned_agent(&req).await?;
    let b = parse_optional_json::<SettingsRequest>(&body)?;
    let count = replica_count(b.replica_count.as_ref())?;
    state
        .lifecycle
        .update_group_settings(v1::UpdateGroupSettingsRequest {
            agent: Some(agent_ref(client, agent)),
            auto_switch: b.auto_switch_enabled,
            manual_replica: b.manual_replica_enabled,
            auto_terminate: b.auto_terminate_enabled,
            actor: actor.clone(),
            request_id: request_id(&req),
            ..Default::default()
        })
        .await?;
    if let Some(replica_count) = count {
        state
            .lifecycle
            .set_replica_count(v1::SetReplicaCountRequest {
                agent: Some(agent_ref(client, agent)),
                replica_count,
                actor,
                request_id: request_id(&req),
            })
            .await?;
    }
    Ok(HttpResponse::Ok().json(SuccessBody { success: true }))
}

#[cfg(test)]
mod tests {
    use super::replica_count;
    use serde_json::json;

    #[test]
    fn replica_count_as_the_modal_sends_it() {
        assert_eq!(replica_count(None).ok(), Some(None));
        assert_eq!(replica_count(Some(&json!(""))).ok(), Some(None));
        assert_eq!(replica_count(Some(&json!(null))).ok(), Some(None));
        assert_eq!(replica_count(Some(&json!(2))).ok(), Some(Some(2)));
        assert_eq!(replica_count(Some(&json!("3"))).ok(), Some(Some(3)));
        assert_eq!(replica_count(Some(&json!(1.0))).ok(), Some(Some(1)));
        assert!(replica_count(Some(&json!(6))).is_err());
        assert!(replica_count(Some(&json!("x"))).is_err());
        assert!(replica_count(Some(&json!(1.5))).is_err());
        assert!(replica_count(Some(&json!(true))).is_err());
    }
}
