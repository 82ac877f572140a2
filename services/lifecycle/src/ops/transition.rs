//! Running one state-machine transition against the database.

use super::Actor;
use crate::error::Result;
use crate::events;
use crate::store::agents;
use crate::store::audit::{self, AuditEntry};
use crate::store::groups::{self, InstanceDetails, LoadedGroup};
use sea_orm::ConnectionTrait;
use serde_json::json;
use spot_contracts::v1;
use spot_domain::group::{Outcome, Role, Transition, apply};
use spot_platform::store::enqueue;

/// Wire enum of a role.
pub fn role_proto(role: Role) -> i32 {
    (match role {
        Role::Primary => v1::InstanceRole::Primary,
        Role::Replica => v1::InstanceRole::Replica,
        Role::Zombie => v1::InstanceRole::Zombie,
        Role::Terminated => v1::InstanceRole::Terminated,
    }) as i32
}

/// Applies `transition` to the locked group and writes everything it implies.
pub async fn run<C: ConnectionTrait>(
    conn: &C,
    loaded: &LoadedGroup,
    transition: &Transition,
    details: &InstanceDetails,
    actor: &Actor,
    reason: &str,
) -> Result<Outcome> {
    let outcome = apply(&loaded.group, transition)?;
    groups::persist(conn, loaded, &outcome, details).await?;
    for change in &outcome.changes {
        audit::record(
            conn,
            &AuditEntry {
                client_id: loaded.client_id,
                group_id: Some(loaded.id),
                agent_id: None,
                event_type: "role_changed",
                pre_state: Some(
                    json!({"instance_id": change.instance_id, "role": change.from.map(|r| r.as_str())}),
                ),
                post_state: Some(
                    json!({"instance_id": change.instance_id, "role": change.to.as_str(), "reason": reason}),
                ),
                actor: &actor.name,
                request_id: Some(&actor.request_id),
            },
        )
        .await?;
        let event = v1::InstanceRoleChanged {
            meta: Some(events::group_meta(loaded.client_id, &actor.request_id)),
            group_id: loaded.id.to_string(),
            logical_agent_id: loaded.logical_agent_id.clone(),
            instance_id: change.instance_id.clone(),
            from_role: change.from.map(role_proto).unwrap_or(v1::InstanceRole::Unspecified as i32),
            to_role: role_proto(change.to),
            reason: reason.to_owned(),
            actor: actor.name.clone(),
        };
        enqueue(conn, crate::SCHEMA, &event).await?;
    }
    notify_config_changed(conn, loaded, &outcome).await?;
    Ok(outcome)
}

/// Tells gateways that the config of every agent on a changed instance moved.
async fn notify_config_changed<C: ConnectionTrait>(
    conn: &C,
    loaded: &LoadedGroup,
    outcome: &Outcome,
) -> Result<()> {
    let changed: Vec<String> =
        outcome.changes.iter().filter(|c| c.from.is_some()).map(|c| c.instance_id.clone()).collect();
    if changed.is_empty() {
        return Ok(());
    }
    for row in agents::on_instances(conn, loaded.id, changed).await? {
        let (agent, instance) = (row.agent_id, row.instance_id);
        let role = outcome.group.instance(&instance).map(|i| i.role).unwrap_or(Role::Terminated);
        let event = v1::AgentConfigChanged {
            meta: Some(events::meta(loaded.client_id, agent, "")),
            enabled: role == Role::Primary,
            role: role_proto(role),
        };
        enqueue(conn, crate::SCHEMA, &event).await?;
    }
    Ok(())
}
