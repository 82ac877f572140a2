//! Request builders for newer agents (agent-protocol.md section B): they
//! declare `typed_commands` at registration, put health metrics in
//! heartbeats, and report notices on the dedicated endpoints. Every write
//! also carries an `X-Request-ID` (added by the agent, which owns the RNG).
//! Everything else is the v4 call.

use super::call::{Call, Endpoint};
use super::spec::InstanceFacts;
use super::v4;
use super::wire::HeartbeatMetrics;
use serde_json::json;

/// The version typed agents register with.
pub const AGENT_VERSION: &str = "5.0.0";

/// The capability that makes the server send typed commands.
pub const TYPED_COMMANDS: &str = "typed_commands";

/// `POST /api/agents/register` with `agent_version` 5 and capabilities.
pub fn register(token: &str, facts: &InstanceFacts, logical_agent_id: &str) -> Call {
    let mut body = v4::register_body(token, facts, logical_agent_id);
    body.agent_version = AGENT_VERSION.to_owned();
    body.capabilities = Some(vec![TYPED_COMMANDS.to_owned()]);
    Call::post(Endpoint::Register, "/api/agents/register".into(), v4::to_json(&body))
}

/// Heartbeat with health metrics.
pub fn heartbeat(agent_id: &str, facts: &InstanceFacts, enabled: bool, metrics: HeartbeatMetrics) -> Call {
    let mut body = v4::heartbeat_body(facts, enabled);
    body.metrics = Some(metrics);
    Call::post(Endpoint::Heartbeat, format!("/api/agents/{agent_id}/heartbeat"), v4::to_json(&body))
}

/// `POST /api/agents/{id}/termination-notice {termination_time}`.
pub fn termination_notice(agent_id: &str, termination_time: &str) -> Call {
    Call::post(
        Endpoint::TerminationNotice,
        format!("/api/agents/{agent_id}/termination-notice"),
        json!({"termination_time": termination_time}),
    )
}

/// `POST /api/agents/{id}/rebalance-notice {notice_time}`.
pub fn rebalance_notice(agent_id: &str, notice_time: &str) -> Call {
    Call::post(
        Endpoint::RebalanceNotice,
        format!("/api/agents/{agent_id}/rebalance-notice"),
        json!({"notice_time": notice_time}),
    )
}

/// `GET /api/agents/{id}/emergency-status`.
pub fn emergency_status(agent_id: &str) -> Call {
    Call::get(Endpoint::EmergencyStatus, format!("/api/agents/{agent_id}/emergency-status"))
}
