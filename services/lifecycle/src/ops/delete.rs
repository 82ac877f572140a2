//! Deleting an agent (docs/OPERATORS_API.md, "Deleting an agent"), in one
//! transaction: the operator's switch goes off (so `GET /config` answers
//! `enabled: false`), the row is marked deleted, the agent's instance leaves
//! the group unless it is the PRIMARY, an agent that runs typed commands
//! gets a CLEANUP command, and the audit log and the config event say so.

use super::Actor;
use crate::error::Result;
use crate::events;
use crate::ops::transition::{self, role_proto};
use crate::store::audit::{self, AuditEntry};
use crate::store::commands::{self, NewCommand};
use crate::store::groups::{self, InstanceDetails};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde_json::json;
use spot_contracts::v1;
use spot_domain::group::{CommandPriority, CommandType, Transition};
use spot_domain::{AgentId, ClientId, Role};
use spot_platform::store::enqueue;
use spot_platform::store::sql;

/// What a deletion did.
#[derive(Debug, Clone, Default)]
pub struct Deleted {
    /// Instances whose role became TERMINATED in our records.
    pub released: Vec<String>,
    pub cleanup_queued: bool,
    /// False when the agent was deleted before (nothing changed).
    pub changed: bool,
}

/// Deletes an agent; deleting it again changes nothing.
pub async fn delete_agent(
    db: &DatabaseConnection,
    client: ClientId,
    agent: AgentId,
    actor: &Actor,
) -> Result<Deleted> {
    let txn = db.begin().await?;
    let locked = txn
        .query_one_raw(sql(
            "SELECT deleted_at IS NOT NULL AS deleted FROM lifecycle.agents
              WHERE agent_id = $1 AND client_id = $2 FOR UPDATE",
            [agent.as_uuid().into(), client.as_uuid().into()],
        ))
        .await?;
    let Some(locked) = locked else { return Err(crate::error::LifecycleError::NotFound("agent")) };
    if locked.try_get::<bool>("", "deleted")? {
        txn.rollback().await?;
        return Ok(Deleted::default());
    }
    let row = super::commands::agent_of(&txn, client, agent).await?;
    txn.execute_raw(sql(
        "UPDATE lifecycle.agents SET deleted_at = now(), operator_enabled = false, version = version + 1,
                updated_at = now()
          WHERE agent_id = $1",
        [agent.as_uuid().into()],
    ))
    .await?;
    let mut done = Deleted { changed: true, ..Deleted::default() };
    if let Some(group_id) = row.group_id {
        let loaded = groups::lock(&txn, group_id).await?;
        let releasable = loaded
            .group
            .instance(&row.instance.instance_id)
            .is_some_and(|i| matches!(i.role, Role::Replica | Role::Zombie));
        if releasable {
            transition::run(
                &txn,
                &loaded,
                &Transition::TerminateInstance { instance_id: row.instance.instance_id.clone() },
                &InstanceDetails::default(),
                actor,
                "agent_deleted",
            )
            .await?;
            done.released.push(row.instance.instance_id.clone());
        }
        if row.runs_typed_commands() {
            commands::insert_once(
                &txn,
                &NewCommand {
                    client_id: client.as_uuid(),
                    group_id,
                    agent_id: agent.as_uuid(),
                    command_type: CommandType::Cleanup.as_str(),
                    priority: CommandPriority::Manual.value(),
                    target_mode: None,
                    target_pool_id: None,
                    request_id: format!("agent-deleted-{agent}"),
                    actor: actor.name.clone(),
                    pre_state: json!({"instance_id": row.instance.instance_id}),
                    deadline: None,
                },
            )
            .await?;
            done.cleanup_queued = true;
        }
    }
    audit::record(
        &txn,
        &AuditEntry {
            client_id: client.as_uuid(),
            group_id: row.group_id,
            agent_id: Some(agent.as_uuid()),
            event_type: "agent_deleted",
            pre_state: Some(
                json!({"operator_enabled": row.operator_enabled, "role": row.role.map(|r| r.as_str())}),
            ),
            post_state: Some(
                json!({"deleted": true, "released": done.released, "cleanup_queued": done.cleanup_queued}),
            ),
            actor: &actor.name,
            request_id: Some(&actor.request_id),
        },
    )
    .await?;
    let event = v1::AgentConfigChanged {
        meta: Some(events::meta(client.as_uuid(), agent.as_uuid(), &actor.request_id)),
        enabled: false,
        role: row.role.map(role_proto).unwrap_or_default(),
    };
    enqueue(&txn, crate::SCHEMA, &event).await?;
    txn.commit().await?;
    Ok(done)
}
