//! Request builders for every call agent v4.0.0 makes (and the v4-defined
//! replica calls it does not), producing the paths and bodies of
//! agent-protocol.md section A. Headers (`Authorization`, `Content-Type`)
//! are added by the HTTP driver.

use super::call::{Call, Endpoint};
use super::spec::InstanceFacts;
use super::wire::{CleanupReport, HeartbeatBody, PricingReport, RegisterBody, ReplicaReport, SwitchReport};
use serde::Serialize;
use serde_json::{Value, json};

/// The version string v4 registers with.
pub const AGENT_VERSION: &str = "4.0.0";

/// Serializes a wire struct. These structs have string keys and finite
/// numbers only, so serialization cannot fail; `Null` is the safe fallback.
pub(crate) fn to_json<T: Serialize>(body: &T) -> Value {
    serde_json::to_value(body).unwrap_or(Value::Null)
}

fn agent_path(agent_id: &str, rest: &str) -> String {
    format!("/api/agents/{agent_id}/{rest}")
}

/// The register body (shared with typed agents, which add capabilities).
pub fn register_body(token: &str, facts: &InstanceFacts, logical_agent_id: &str) -> RegisterBody {
    RegisterBody {
        client_token: token.to_owned(),
        hostname: facts.hostname(),
        instance_id: facts.instance_id.clone(),
        instance_type: facts.instance_type.clone(),
        region: facts.region.clone(),
        az: facts.az.clone(),
        ami_id: facts.ami_id.clone(),
        agent_version: AGENT_VERSION.to_owned(),
        logical_agent_id: logical_agent_id.to_owned(),
        mode: facts.market.as_str().to_owned(),
        private_ip: facts.private_ip.clone(),
        public_ip: facts.public_ip.clone(),
        capabilities: None,
    }
}

/// `POST /api/agents/register`.
pub fn register(token: &str, facts: &InstanceFacts, logical_agent_id: &str) -> Call {
    Call::post(
        Endpoint::Register,
        "/api/agents/register".into(),
        to_json(&register_body(token, facts, logical_agent_id)),
    )
}

/// The running heartbeat body: `online` when enabled, else `disabled`.
pub fn heartbeat_body(facts: &InstanceFacts, enabled: bool) -> HeartbeatBody {
    HeartbeatBody {
        status: if enabled { "online" } else { "disabled" }.to_owned(),
        monitored_instances: vec![facts.instance_id.clone()],
        instance_id: facts.instance_id.clone(),
        instance_type: facts.instance_type.clone(),
        mode: facts.market.as_str().to_owned(),
        az: facts.az.clone(),
        metrics: None,
    }
}

/// `POST /api/agents/{id}/heartbeat`.
pub fn heartbeat(agent_id: &str, facts: &InstanceFacts, enabled: bool) -> Call {
    Call::post(
        Endpoint::Heartbeat,
        agent_path(agent_id, "heartbeat"),
        to_json(&heartbeat_body(facts, enabled)),
    )
}

/// The last heartbeat, sent when the agent stops.
pub fn heartbeat_shutdown(agent_id: &str) -> Call {
    Call::post(
        Endpoint::Heartbeat,
        agent_path(agent_id, "heartbeat"),
        json!({"status": "offline", "monitored_instances": []}),
    )
}

/// `GET /api/agents/{id}/config`.
pub fn config(agent_id: &str) -> Call {
    Call::get(Endpoint::Config, agent_path(agent_id, "config"))
}

/// `GET /api/agents/{id}/pending-commands`.
pub fn pending_commands(agent_id: &str) -> Call {
    Call::get(Endpoint::PendingCommands, agent_path(agent_id, "pending-commands"))
}

/// `POST /api/agents/{id}/commands/{cid}/executed`.
pub fn executed(agent_id: &str, command_id: &str, success: bool, message: &str) -> Call {
    Call::post(
        Endpoint::CommandExecuted,
        agent_path(agent_id, &format!("commands/{command_id}/executed")),
        json!({"success": success, "message": message}),
    )
}

/// `POST /api/agents/{id}/switch-report`.
pub fn switch_report(agent_id: &str, report: &SwitchReport) -> Call {
    Call::post(Endpoint::SwitchReport, agent_path(agent_id, "switch-report"), to_json(report))
}

/// `POST /api/agents/{id}/replicas`.
pub fn replica_create(agent_id: &str, replica: &ReplicaReport) -> Call {
    Call::post(Endpoint::ReplicaCreate, agent_path(agent_id, "replicas"), to_json(replica))
}

/// `GET /api/agents/{id}/replicas`.
pub fn replica_list(agent_id: &str) -> Call {
    Call::get(Endpoint::ReplicaList, agent_path(agent_id, "replicas"))
}

/// `POST /api/agents/{id}/replicas/{rid}/status` (`launching|syncing|ready|failed`).
pub fn replica_status(agent_id: &str, replica_id: &str, status: &str) -> Call {
    Call::post(
        Endpoint::ReplicaStatus,
        agent_path(agent_id, &format!("replicas/{replica_id}/status")),
        json!({"status": status}),
    )
}

/// `POST /api/agents/{id}/replicas/{rid}/promote` (v4 sends an empty object).
pub fn replica_promote(agent_id: &str, replica_id: &str) -> Call {
    Call::post(
        Endpoint::ReplicaPromote,
        agent_path(agent_id, &format!("replicas/{replica_id}/promote")),
        json!({}),
    )
}

/// `GET /api/agents/{id}/replica-config`.
pub fn replica_config(agent_id: &str) -> Call {
    Call::get(Endpoint::ReplicaConfig, agent_path(agent_id, "replica-config"))
}

/// `POST /api/agents/{id}/pricing-report`.
pub fn pricing_report(agent_id: &str, report: &PricingReport) -> Call {
    Call::post(Endpoint::PricingReport, agent_path(agent_id, "pricing-report"), to_json(report))
}

/// `POST /api/agents/{id}/cleanup-report`.
pub fn cleanup_report(agent_id: &str, report: &CleanupReport) -> Call {
    Call::post(Endpoint::CleanupReport, agent_path(agent_id, "cleanup-report"), to_json(report))
}

/// `POST /api/agents/{id}/termination-imminent`: `termination_time` verbatim
/// from IMDS, `detected_at` naive UTC.
pub fn termination_imminent(
    agent_id: &str,
    instance_id: &str,
    termination_time: &str,
    detected_at: &str,
) -> Call {
    Call::post(
        Endpoint::TerminationImminent,
        agent_path(agent_id, "termination-imminent"),
        json!({"instance_id": instance_id, "termination_time": termination_time, "detected_at": detected_at}),
    )
}

/// `POST /api/agents/{id}/rebalance-recommendation`.
pub fn rebalance_recommendation(agent_id: &str, instance_id: &str, detected_at: &str) -> Call {
    Call::post(
        Endpoint::RebalanceRecommendation,
        agent_path(agent_id, "rebalance-recommendation"),
        json!({"instance_id": instance_id, "detected_at": detected_at}),
    )
}

/// `POST /api/agents/{id}/create-emergency-replica` (defined in v4, not
/// called by it): `signal_type` is `rebalance-recommendation` or
/// `termination-notice`; `termination_time` only with the latter.
pub fn create_emergency_replica(
    agent_id: &str,
    signal_type: &str,
    instance_id: &str,
    termination_time: Option<&str>,
) -> Call {
    let mut body = json!({"signal_type": signal_type, "instance_id": instance_id});
    if let (Some(t), Some(map)) = (termination_time, body.as_object_mut()) {
        map.insert("termination_time".into(), Value::String(t.to_owned()));
    }
    Call::post(Endpoint::CreateEmergencyReplica, agent_path(agent_id, "create-emergency-replica"), body)
}
