//! Builders for the events lifecycle publishes through its outbox.

use spot_contracts::v1;
use uuid::Uuid;

/// Metadata for a new event about `agent` of `client`.
pub fn meta(client: Uuid, agent: Uuid, request_id: &str) -> v1::EventMeta {
    v1::EventMeta {
        event_id: Uuid::now_v7().to_string(),
        occurred_at: Some(spot_platform::time::now_wire()),
        client_id: client.to_string(),
        agent_id: agent.to_string(),
        producer: crate::NAME.to_owned(),
        request_id: request_id.to_owned(),
    }
}

/// Metadata for an event about a whole group (no agent token in the subject).
pub fn group_meta(client: Uuid, request_id: &str) -> v1::EventMeta {
    v1::EventMeta { agent_id: String::new(), ..meta(client, Uuid::nil(), request_id) }
}

/// An agent went online or offline.
pub fn status_changed(
    client: Uuid,
    agent: Uuid,
    previous: &str,
    status: &str,
    reason: &str,
) -> v1::AgentStatusChanged {
    v1::AgentStatusChanged {
        meta: Some(meta(client, agent, "")),
        previous_status: previous.to_owned(),
        status: status.to_owned(),
        reason: reason.to_owned(),
    }
}
