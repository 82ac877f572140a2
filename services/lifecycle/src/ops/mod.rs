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

use crate::error::Result;
use crate::store::audit::{self, AuditEntry};
use crate::store::groups::{self, LoadedGroup};
use sea_orm::ConnectionTrait;
use serde_json::Value;
use spot_domain::{AgentId, ClientId};
use uuid::Uuid;

/// The group of `client`'s `agent`, locked `FOR UPDATE` in `conn`'s
/// transaction: every change to a group runs under this lock.
pub(crate) async fn lock_group_of<C: ConnectionTrait>(
    conn: &C,
    client: ClientId,
    agent: AgentId,
) -> Result<(Uuid, LoadedGroup)> {
    let (_, group_id) = commands::group_of(conn, client, agent).await?;
    Ok((group_id, groups::lock(conn, group_id).await?))
}

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

    /// What this actor does to `agent` of `client` (in `group` when it has
    /// one), for the audit log.
    pub fn on(&self, client: ClientId, group: Option<Uuid>, agent: AgentId) -> AuditScope<'_> {
        AuditScope { actor: self, client, group, agent }
    }
}

/// An actor and the agent it acts on: what every audit row of an operation shares.
#[derive(Debug, Clone, Copy)]
pub struct AuditScope<'a> {
    actor: &'a Actor,
    client: ClientId,
    group: Option<Uuid>,
    agent: AgentId,
}

impl AuditScope<'_> {
    /// Writes the audit row of `event_type`, with its request id, in the
    /// caller's transaction.
    pub async fn record<C: ConnectionTrait>(
        &self,
        conn: &C,
        event_type: &str,
        pre_state: Option<Value>,
        post_state: Option<Value>,
    ) -> Result<()> {
        let entry = AuditEntry {
            client_id: self.client.as_uuid(),
            group_id: self.group,
            agent_id: Some(self.agent.as_uuid()),
            event_type,
            pre_state,
            post_state,
            actor: &self.actor.name,
            request_id: Some(&self.actor.request_id),
        };
        audit::record(conn, &entry).await
    }
}
