//! Events the decisions service publishes through its outbox:
//! `DecisionMade` once a decision is final (logged, and its command queued
//! or not), `DecisionExecuted` when the command finished on the agent.

use crate::store::decisions::NewDecision;
use spot_contracts::v1;
use uuid::Uuid;

fn meta(client: Uuid, agent: Option<Uuid>, request_id: &str) -> v1::EventMeta {
    v1::EventMeta {
        event_id: Uuid::now_v7().to_string(),
        occurred_at: Some(spot_contracts::Timestamp::from(std::time::SystemTime::now())),
        client_id: client.to_string(),
        agent_id: agent.map(|a| a.to_string()).unwrap_or_default(),
        producer: crate::NAME.to_owned(),
        request_id: request_id.to_owned(),
    }
}

/// A decision was made; `acted` when a command was queued.
pub fn made(d: &NewDecision, acted: bool, command_id: Option<Uuid>) -> v1::DecisionMade {
    let blocked_by = serde_json::from_value::<Vec<spot_domain::decisions::Verdict>>(d.guardrails.clone())
        .map(|v| spot_domain::decisions::guardrails::block_reasons(&v))
        .unwrap_or_default();
    v1::DecisionMade {
        meta: Some(meta(d.client_id, d.agent_id, &d.id.to_string())),
        decision_id: d.id.to_string(),
        group_id: d.group_id.to_string(),
        model_name: d.model_name.clone(),
        model_version: d.model_version.clone(),
        arm: d.arm.to_owned(),
        action: d.action.to_owned(),
        target_mode: d.target_mode.unwrap_or_default().to_owned(),
        target_pool_id: d.target_pool_id.clone().unwrap_or_default(),
        confidence: d.confidence,
        reasoning: d.reasoning.clone(),
        expected_saving_per_hour: d.expected_saving_per_hour,
        acted,
        blocked_by,
        command_id: command_id.map(|c| c.to_string()).unwrap_or_default(),
        fallback_reason: d.fallback_reason.clone().unwrap_or_default(),
    }
}

/// The command of a decision finished.
pub fn executed(
    decision: Uuid,
    f: &crate::store::decisions::Finished,
    command_id: &str,
    status: &str,
    message: &str,
) -> v1::DecisionExecuted {
    v1::DecisionExecuted {
        meta: Some(meta(f.client_id, f.agent_id, &decision.to_string())),
        decision_id: decision.to_string(),
        group_id: f.group_id.to_string(),
        command_id: command_id.to_owned(),
        status: status.to_owned(),
        message: message.to_owned(),
        target_pool_id: f.target_pool_id.clone().unwrap_or_default(),
    }
}
