//! Spot interruption calls. The gateway asks the emergency service over gRPC
//! and answers at once: a v4 agent re-sends a termination notice every 5 s
//! and launches a replica for every truthy answer, so the decision (and its
//! "at most once") lives in the emergency service's database.

use super::agents::{agent_ref, operator_agent, owned_agent, request_id};
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::emergency::{
    Acknowledged, EmergencyStatus, PolicyBody, RebalanceAnswer, RebalanceNotice, RebalanceRecommendation,
    TerminationAnswer, TerminationImminent, TerminationNotice,
};
use crate::wire::{clean, parse_json};
use actix_web::{HttpRequest, HttpResponse, web};
use spot_contracts::v1;
use spot_domain::time::parse_agent_timestamp;

fn when(raw: Option<String>, field: &str) -> Result<Option<spot_contracts::Timestamp>, ApiError> {
    clean(raw)
        .map(|r| {
            parse_agent_timestamp(&r)
                .map(|t| spot_contracts::Timestamp::from(std::time::SystemTime::from(t)))
                .map_err(|_| ApiError::InvalidField(format!("{field} is not a timestamp: {r:?}")))
        })
        .transpose()
}

/// Asks the emergency service about a termination notice of the caller's agent.
async fn ask_termination(
    state: &AppState,
    req: &HttpRequest,
    path: &str,
    instance_id: Option<String>,
    termination_time: Option<String>,
    detected_at: Option<String>,
    body_request_id: Option<String>,
) -> Result<v1::NoticeAnswer, ApiError> {
    let (client, agent) = owned_agent(state, req, path).await?;
    // A termination time that is not a timestamp is still a notice: it is
    // passed on verbatim and handled as "deadline now" (docs/EMERGENCY.md).
    let raw = clean(termination_time);
    let parsed = when(raw.clone(), "termination_time").ok().flatten();
    state
        .emergency
        .termination(v1::TerminationNoticeRequest {
            agent: Some(agent_ref(client, agent)),
            instance_id: clean(instance_id).unwrap_or_default(),
            termination_time: parsed,
            termination_time_raw: raw.unwrap_or_default(),
            detected_at: when(detected_at, "detected_at")?,
            request_id: clean(body_request_id).unwrap_or_else(|| request_id(req)),
        })
        .await
}

/// Asks the emergency service about a rebalance recommendation.
async fn ask_rebalance(
    state: &AppState,
    req: &HttpRequest,
    path: &str,
    instance_id: Option<String>,
    (detected_at, field): (Option<String>, &str),
    body_request_id: Option<String>,
) -> Result<v1::NoticeAnswer, ApiError> {
    let (client, agent) = owned_agent(state, req, path).await?;
    state
        .emergency
        .rebalance(v1::RebalanceNoticeRequest {
            agent: Some(agent_ref(client, agent)),
            instance_id: clean(instance_id).unwrap_or_default(),
            detected_at: when(detected_at, field)?,
            request_id: clean(body_request_id).unwrap_or_else(|| request_id(req)),
        })
        .await
}

const ERRORS: &str =
    "400 invalid_field / malformed_json, 401, 404 agent_not_found, 503 dependency_unavailable";

#[utoipa::path(post, path = "/api/agents/{agent_id}/termination-imminent", tag = "agent v4",
    summary = "2-minute Spot termination notice (re-sent every 5 s); create_emergency_replica is true at most once",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    request_body = TerminationImminent,
    responses((status = 200, body = TerminationAnswer), (status = 400, description = ERRORS, body = crate::openapi::ApiErrorBody)))]
pub async fn termination_imminent(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b = parse_json::<TerminationImminent>(&body)?;
    let answer =
        ask_termination(&state, &req, &path, b.instance_id, b.termination_time, b.detected_at, None).await?;
    Ok(HttpResponse::Ok().json(TerminationAnswer::from(&answer)))
}

#[utoipa::path(post, path = "/api/agents/{agent_id}/create-emergency-replica", tag = "agent v4",
    summary = "Ask for an emergency replica now (handled as a termination notice without a termination time)",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    request_body = TerminationImminent,
    responses((status = 200, body = TerminationAnswer), (status = 400, description = ERRORS, body = crate::openapi::ApiErrorBody)))]
pub async fn create_emergency_replica(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    termination_imminent(state, req, path, body).await
}

#[utoipa::path(post, path = "/api/agents/{agent_id}/rebalance-recommendation", tag = "agent v4",
    summary = "Spot rebalance recommendation (re-sent every 30 s): action switch or monitor",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    request_body = RebalanceRecommendation,
    responses((status = 200, body = RebalanceAnswer), (status = 400, description = ERRORS, body = crate::openapi::ApiErrorBody)))]
pub async fn rebalance_recommendation(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b = parse_json::<RebalanceRecommendation>(&body)?;
    let answer =
        ask_rebalance(&state, &req, &path, b.instance_id, (b.detected_at, "detected_at"), None).await?;
    Ok(HttpResponse::Ok().json(RebalanceAnswer::from(&answer)))
}

#[utoipa::path(post, path = "/api/agents/{agent_id}/termination-notice", tag = "agent",
    summary = "Termination notice from a newer agent (X-Request-ID); the replica comes as a CREATE_REPLICA command",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    request_body = TerminationNotice,
    responses((status = 200, body = Acknowledged), (status = 400, description = ERRORS, body = crate::openapi::ApiErrorBody)))]
pub async fn termination_notice(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b = parse_json::<TerminationNotice>(&body)?;
    let answer =
        ask_termination(&state, &req, &path, b.instance_id, b.termination_time, None, b.request_id).await?;
    Ok(HttpResponse::Ok().json(Acknowledged::from(&answer)))
}

#[utoipa::path(post, path = "/api/agents/{agent_id}/rebalance-notice", tag = "agent",
    summary = "Rebalance recommendation from a newer agent",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    request_body = RebalanceNotice,
    responses((status = 200, body = Acknowledged), (status = 400, description = ERRORS, body = crate::openapi::ApiErrorBody)))]
pub async fn rebalance_notice(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b = parse_json::<RebalanceNotice>(&body)?;
    let answer =
        ask_rebalance(&state, &req, &path, b.instance_id, (b.notice_time, "notice_time"), b.request_id)
            .await?;
    Ok(HttpResponse::Ok().json(Acknowledged::from(&answer)))
}

#[utoipa::path(get, path = "/api/agents/{agent_id}/emergency-status", tag = "agent",
    summary = "The agent's newest notice, its deadline and emergency replica",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    responses((status = 200, body = EmergencyStatus), (status = 404, description = ERRORS, body = crate::openapi::ApiErrorBody)))]
pub async fn emergency_status(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (client, agent, _) = operator_agent(&state, &req, &path).await?;
    let record = state.emergency.status(agent_ref(client, agent)).await?;
    Ok(HttpResponse::Ok().json(EmergencyStatus::from(&record)))
}

#[utoipa::path(get, path = "/api/agents/{agent_id}/emergency-policy", tag = "operator",
    summary = "Rebalance policy of the agent's group (monitor | prespin | switch)",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    responses((status = 200, body = serde_json::Value), (status = 404, description = ERRORS, body = crate::openapi::ApiErrorBody)))]
pub async fn get_policy(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (client, agent, _) = operator_agent(&state, &req, &path).await?;
    let p = state.emergency.policy(agent_ref(client, agent)).await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"group_id": p.group_id, "policy": p.policy, "default": p.default})))
}

#[utoipa::path(put, path = "/api/agents/{agent_id}/emergency-policy", tag = "operator",
    summary = "Set the rebalance policy of the agent's group",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    request_body = PolicyBody,
    responses((status = 200, body = serde_json::Value), (status = 400, description = ERRORS, body = crate::openapi::ApiErrorBody)))]
pub async fn set_policy(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (client, agent, actor) = operator_agent(&state, &req, &path).await?;
    let b = parse_json::<PolicyBody>(&body)?;
    let policy = clean(b.policy).ok_or_else(|| ApiError::InvalidField("policy is required".into()))?;
    let p = state
        .emergency
        .set_policy(v1::SetPolicyRequest { agent: Some(agent_ref(client, agent)), policy, actor })
        .await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"group_id": p.group_id, "policy": p.policy, "default": p.default})))
}
