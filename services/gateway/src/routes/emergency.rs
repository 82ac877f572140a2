//! Spot interruption calls. The gateway asks the emergency service over gRPC
//! and answers at once: a v4 agent re-sends a termination notice every 5 s
//! and launches a replica for every truthy answer, so the decision (and its
//! "at most once") lives in the emergency service's database.
//!
//! The notice handlers read the body before checking the caller (a
//! malformed notice is a 400 whoever sends it), so they resolve the
//! [`AgentCaller`] themselves instead of taking it as an argument.

use crate::error::ApiError;
use crate::http::{AgentCaller, AgentPath, ApiErrors, Operator, Reply};
use crate::state::AppState;
use crate::wire::emergency::{
    Acknowledged, EmergencyStatus, PolicyBody, RebalanceAnswer, RebalanceNotice, RebalanceRecommendation,
    TerminationAnswer, TerminationImminent, TerminationNotice,
};
use crate::wire::{clean, parse_json, timestamp};
use actix_web::HttpRequest;
use actix_web::web::{self, Bytes, Data};
use serde_json::{Value, json};
use spot_contracts::v1;

fn when(raw: Option<String>, field: &str) -> Result<Option<spot_contracts::Timestamp>, ApiError> {
    timestamp(clean(raw).as_deref(), field)
}

/// Asks the emergency service about a termination notice of the caller's agent.
async fn ask_termination(
    state: &AppState,
    req: &HttpRequest,
    instance_id: Option<String>,
    (termination_time, detected_at): (Option<String>, Option<String>),
    body_request_id: Option<String>,
) -> Result<v1::NoticeAnswer, ApiError> {
    let caller = AgentCaller::resolve(req).await?;
    // A termination time that is not a timestamp is still a notice: it is
    // passed on verbatim and handled as "deadline now" (docs/EMERGENCY.md).
    let raw = clean(termination_time);
    let parsed = when(raw.clone(), "termination_time").ok().flatten();
    let request = v1::TerminationNoticeRequest {
        agent: Some(caller.agent_ref()),
        instance_id: clean(instance_id).unwrap_or_default(),
        termination_time: parsed,
        termination_time_raw: raw.unwrap_or_default(),
        detected_at: when(detected_at, "detected_at")?,
        request_id: clean(body_request_id).unwrap_or(caller.request_id),
    };
    let answer = state.emergency.termination(request).await;
    forget_answers(state, caller.agent);
    answer
}

/// A notice may queue a command for the agent or change its role: its next
/// polls read lifecycle again instead of waiting for the change event
/// (read-your-writes, as after an operator's switch; docs/ARCHITECTURE.md).
fn forget_answers(state: &AppState, agent: spot_domain::AgentId) {
    state.commands_cache.invalidate(agent);
    state.config_cache.invalidate(agent);
}

/// Asks the emergency service about a rebalance recommendation.
async fn ask_rebalance(
    state: &AppState,
    req: &HttpRequest,
    instance_id: Option<String>,
    (detected_at, field): (Option<String>, &str),
    body_request_id: Option<String>,
) -> Result<v1::NoticeAnswer, ApiError> {
    let caller = AgentCaller::resolve(req).await?;
    let request = v1::RebalanceNoticeRequest {
        agent: Some(caller.agent_ref()),
        instance_id: clean(instance_id).unwrap_or_default(),
        detected_at: when(detected_at, field)?,
        request_id: clean(body_request_id).unwrap_or(caller.request_id),
    };
    let answer = state.emergency.rebalance(request).await;
    forget_answers(state, caller.agent);
    answer
}

/// A notice body as an agent sends it, and the question it asks.
trait Notice: serde::de::DeserializeOwned {
    async fn ask(self, state: &AppState, req: &HttpRequest) -> Result<v1::NoticeAnswer, ApiError>;
}

impl Notice for TerminationImminent {
    async fn ask(self, state: &AppState, req: &HttpRequest) -> Result<v1::NoticeAnswer, ApiError> {
        ask_termination(state, req, self.instance_id, (self.termination_time, self.detected_at), None).await
    }
}

impl Notice for TerminationNotice {
    async fn ask(self, state: &AppState, req: &HttpRequest) -> Result<v1::NoticeAnswer, ApiError> {
        ask_termination(state, req, self.instance_id, (self.termination_time, None), self.request_id).await
    }
}

impl Notice for RebalanceRecommendation {
    async fn ask(self, state: &AppState, req: &HttpRequest) -> Result<v1::NoticeAnswer, ApiError> {
        ask_rebalance(state, req, self.instance_id, (self.detected_at, "detected_at"), None).await
    }
}

impl Notice for RebalanceNotice {
    async fn ask(self, state: &AppState, req: &HttpRequest) -> Result<v1::NoticeAnswer, ApiError> {
        ask_rebalance(state, req, self.instance_id, (self.notice_time, "notice_time"), self.request_id).await
    }
}

/// Parse the notice, check the caller, ask, answer in the agent's format.
async fn answer<N: Notice, A: for<'a> From<&'a v1::NoticeAnswer>>(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
) -> Reply<A> {
    let answer = parse_json::<N>(body)?.ask(state, req).await?;
    Ok(web::Json(A::from(&answer)))
}

/// Declares the handlers of the notice paths, one row each: the handler's
/// name, method and path, OpenAPI tag and summary, the body it parses and
/// the answer it sends (both through [`answer`]).
macro_rules! notice_routes {
    ($($name:ident: $method:ident $path:tt, $tag:tt, $summary:tt, $notice:ident => $answer:ident;)*) => {$(
        #[utoipa::path($method, path = $path, tag = $tag, summary = $summary,
            params(AgentPath), request_body = $notice,
            responses((status = 200, body = $answer), ApiErrors))]
        pub async fn $name(state: Data<AppState>, req: HttpRequest, body: Bytes) -> Reply<$answer> {
            answer::<$notice, $answer>(&state, &req, &body).await
        }
    )*};
}

notice_routes! {
    termination_imminent: post "/api/agents/{agent_id}/termination-imminent", "agent v4",
        "2-minute Spot termination notice (re-sent every 5 s); create_emergency_replica is true at most once",
        TerminationImminent => TerminationAnswer;
    create_emergency_replica: post "/api/agents/{agent_id}/create-emergency-replica", "agent v4",
        "Ask for an emergency replica now (handled as a termination notice without a termination time)",
        TerminationImminent => TerminationAnswer;
    rebalance_recommendation: post "/api/agents/{agent_id}/rebalance-recommendation", "agent v4",
        "Spot rebalance recommendation (re-sent every 30 s): action switch or monitor",
        RebalanceRecommendation => RebalanceAnswer;
    termination_notice: post "/api/agents/{agent_id}/termination-notice", "agent",
        "Termination notice from a newer agent (X-Request-ID); the replica comes as a CREATE_REPLICA command",
        TerminationNotice => Acknowledged;
    rebalance_notice: post "/api/agents/{agent_id}/rebalance-notice", "agent",
        "Rebalance recommendation from a newer agent",
        RebalanceNotice => Acknowledged;
}

#[utoipa::path(get, path = "/api/agents/{agent_id}/emergency-status", tag = "agent",
    summary = "The agent's newest notice, its deadline and emergency replica",
    params(AgentPath), responses((status = 200, body = EmergencyStatus), ApiErrors))]
pub async fn emergency_status(state: web::Data<AppState>, operator: Operator) -> Reply<EmergencyStatus> {
    let record = state.emergency.status(operator.agent_ref()).await?;
    Ok(web::Json(EmergencyStatus::from(&record)))
}

fn policy_view(p: &v1::PolicyRecord) -> web::Json<Value> {
    web::Json(json!({"group_id": p.group_id, "policy": p.policy, "default": p.default}))
}

#[utoipa::path(get, path = "/api/agents/{agent_id}/emergency-policy", tag = "operator",
    summary = "Rebalance policy of the agent's group (monitor | prespin | switch)",
    params(AgentPath), responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn get_policy(state: web::Data<AppState>, operator: Operator) -> Reply<Value> {
    Ok(policy_view(&state.emergency.policy(operator.agent_ref()).await?))
}

#[utoipa::path(put, path = "/api/agents/{agent_id}/emergency-policy", tag = "operator",
    summary = "Set the rebalance policy of the agent's group",
    params(AgentPath), request_body = PolicyBody, responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn set_policy(state: web::Data<AppState>, operator: Operator, body: web::Bytes) -> Reply<Value> {
    let b = parse_json::<PolicyBody>(&body)?;
    let policy = clean(b.policy).ok_or_else(|| ApiError::InvalidField("policy is required".into()))?;
    let request = v1::SetPolicyRequest { agent: Some(operator.agent_ref()), policy, actor: operator.actor };
    Ok(policy_view(&state.emergency.set_policy(request).await?))
}
