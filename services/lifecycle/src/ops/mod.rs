//! Lifecycle operations: the service layer the gRPC handlers (and jobs) call.
//! Each runs in one transaction: lock the group, decide with the pure state
//! machine, write the outcome with version checks, audit it, and put the
//! events in the outbox.

pub mod commands;
pub mod dashboard;
pub mod delete;
pub mod register;
pub mod replicas;
pub mod settings;
pub mod switch;
pub mod transition;

use crate::store::audit::AuditEntry;
use serde_json::Value;
use spot_domain::{AgentId, ClientId};
use uuid::Uuid;

/// Who asked for a change (audit actor and idempotency key).
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// `agent:<id>`, `token:<token id>` (an operator's API token), `admin`,
    /// `model:<id>` or `system`; never characters of a secret.
    pub name: String,
    pub request_id: String,
}

impl Actor {
    /// The system itself (jobs).
    pub fn system() -> Self {
        Self { name: "system".into(), request_id: String::new() }
    }

    /// The audit row of `event_type`, done by this actor to `agent` of
    /// `client` (in `group` when it has one), with its request id.
    pub fn audit<'a>(
        &'a self,
        client: ClientId,
        group: Option<Uuid>,
        agent: AgentId,
        event_type: &'a str,
        pre_state: Option<Value>,
        post_state: Option<Value>,
    ) -> AuditEntry<'a> {
        AuditEntry {
            client_id: client.as_uuid(),
            group_id: group,
            agent_id: Some(agent.as_uuid()),
            event_type,
            pre_state,
            post_state,
            actor: &self.name,
            request_id: Some(&self.request_id),
        }
    }
}
