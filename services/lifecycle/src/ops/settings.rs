//! Group settings. Turning manual replica mode on queues one CREATE_REPLICA
//! command for the PRIMARY's agent when that agent can run typed commands
//! (v4 agents cannot; for them the operator launches the replica).

use super::Actor;
use crate::error::Result;
use crate::store::agents;
use crate::store::commands::{self, NewCommand};
use crate::store::groups::{self, LoadedGroup};
use crate::store::replicas;
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde_json::json;
use spot_domain::group::{CommandPriority, CommandType, GroupSettings, SettingsPatch};
use spot_domain::{AgentId, ClientId};

/// Settings of the agent's group, with the group's identity and version.
pub async fn get(db: &DatabaseConnection, client: ClientId, agent: AgentId) -> Result<LoadedGroup> {
    let txn = db.begin().await?;
    // A share lock is enough for a read, but the loader locks FOR UPDATE;
    // the transaction is short and read-only.
    let (_, loaded) = super::lock_group_of(&txn, client, agent).await?;
    txn.rollback().await?;
    Ok(loaded)
}

/// Applies a patch; 409 `auto_switch_manual_replica_conflict` when both would be on.
pub async fn update(
    db: &DatabaseConnection,
    client: ClientId,
    agent: AgentId,
    patch: &SettingsPatch,
    actor: &Actor,
) -> Result<LoadedGroup> {
    let txn = db.begin().await?;
    let (group_id, mut loaded) = super::lock_group_of(&txn, client, agent).await?;
    let before = loaded.group.settings.clone();
    let after = before.apply(patch)?;
    if after != before {
        loaded.group.version = groups::save_settings(&txn, &loaded, &after).await?;
        actor
            .on(client, Some(group_id), agent)
            .record(
                &txn,
                "settings_changed",
                serde_json::to_value(&before).ok(),
                serde_json::to_value(&after).ok(),
            )
            .await?;
        if after.manual_replica && !before.manual_replica {
            ensure_one_replica(&txn, client, &loaded, &after, actor).await?;
        }
        loaded.group.settings = after;
        // The decisions service keeps its own copy of settings from this event.
        let event = spot_contracts::v1::GroupSettingsChanged {
            meta: Some(crate::events::meta(client.as_uuid(), agent.as_uuid(), &actor.request_id)),
            settings: Some(crate::grpc::convert::settings(&loaded)),
        };
        spot_platform::store::enqueue(&txn, crate::SCHEMA, &event).await?;
    }
    txn.commit().await?;
    if before.manual_replica && !loaded.group.settings.manual_replica {
        release_manual_replicas(db, client, agent, group_id, actor).await?;
    }
    Ok(loaded)
}

/// Turning manual replica mode off removes the replica it kept: the live
/// kept replica of the group is terminated through the replica state
/// machine (its own audit row and event; docs/OPERATORS_API.md).
async fn release_manual_replicas(
    db: &DatabaseConnection,
    client: ClientId,
    agent: AgentId,
    group_id: uuid::Uuid,
    actor: &Actor,
) -> Result<()> {
    for id in replicas::live_kept(db, group_id).await? {
        super::replicas::update_status(db, client, agent, id, spot_domain::ReplicaStatus::Terminated, actor)
            .await?;
    }
    Ok(())
}

async fn ensure_one_replica<C: ConnectionTrait>(
    conn: &C,
    client: ClientId,
    loaded: &LoadedGroup,
    _settings: &GroupSettings,
    actor: &Actor,
) -> Result<()> {
    let live = replicas::list(conn, loaded.id).await?.iter().any(|r| !r.status.is_terminal());
    if live {
        return Ok(());
    }
    let Some(primary) = loaded.group.primary() else { return Ok(()) };
    let newest = agents::newest_on_instance(conn, loaded.id, &primary.instance_id).await?;
    let Some(agent_id) = newest else { return Ok(()) };
    let row = super::commands::agent_of(conn, client, AgentId::from_uuid(agent_id)).await?;
    if !row.runs_typed_commands() {
        tracing::info!(group = %loaded.id, "manual replica on, but the PRIMARY's agent cannot run CREATE_REPLICA");
        return Ok(());
    }
    let request_id = format!("manual-replica-{}-{}", loaded.id, loaded.group.version);
    commands::insert_once(
        conn,
        &NewCommand {
            client_id: client.as_uuid(),
            group_id: loaded.id,
            agent_id,
            command_type: CommandType::CreateReplica.as_str(),
            priority: CommandPriority::Manual.value(),
            target_mode: None,
            target_pool_id: None,
            request_id,
            actor: actor.name.clone(),
            pre_state: json!({"primary": primary.instance_id}),
            deadline: None,
        },
    )
    .await?;
    Ok(())
}
