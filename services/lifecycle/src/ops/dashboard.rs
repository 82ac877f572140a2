//! Writes of the operators' dashboard (docs/CLIENT_DASHBOARD.md): the
//! operator's enable switch on an agent, the wished replica count, and a
//! manual replica request. Each is one transaction with its audit row.

use super::Actor;
use super::commands::{agent_of, group_of};
use crate::error::{LifecycleError, Result};
use crate::events;
use crate::ops::transition::role_proto;
use crate::store::agents::AgentRow;
use crate::store::groups;
use crate::store::replicas::{self, ReplicaRow};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde_json::json;
use spot_contracts::v1;
use spot_domain::{AgentId, ClientId};
use spot_platform::store::enqueue;
use spot_platform::store::sql;
use uuid::Uuid;

/// Largest replica count an operator may ask for.
pub const MAX_REPLICA_COUNT: i32 = 5;

/// Sets (or, with `enabled` None, flips) the operator's switch of an agent;
/// returns the agent as it now is. Gateways drop their cached config on the
/// `AgentConfigChanged` event, so a v4 agent follows on its next config poll.
pub async fn set_enabled(
    db: &DatabaseConnection,
    client: ClientId,
    agent_id: AgentId,
    enabled: Option<bool>,
    actor: &Actor,
) -> Result<AgentRow> {
    let txn = db.begin().await?;
    // Lock the row so two toggles in flight flip twice, not once.
    txn.execute_raw(sql(
        "SELECT 1 FROM lifecycle.agents WHERE agent_id = $1 AND client_id = $2 FOR UPDATE",
        [agent_id.as_uuid().into(), client.as_uuid().into()],
    ))
    .await?;
    let before = agent_of(&txn, client, agent_id).await?;
    let wanted = enabled.unwrap_or(!before.operator_enabled);
    if wanted == before.operator_enabled {
        txn.rollback().await?;
        return Ok(before);
    }
    txn.execute_raw(sql(
        "UPDATE lifecycle.agents SET operator_enabled = $1, version = version + 1, updated_at = now()
         WHERE agent_id = $2",
        [wanted.into(), agent_id.as_uuid().into()],
    ))
    .await?;
    let after = AgentRow { operator_enabled: wanted, ..before.clone() };
    actor
        .on(client, before.group_id, agent_id)
        .record(
            &txn,
            "agent_enabled_changed",
            Some(json!({"operator_enabled": before.operator_enabled, "enabled": before.enabled()})),
            Some(json!({"operator_enabled": wanted, "enabled": after.enabled()})),
        )
        .await?;
    let role = after.role.map(role_proto).unwrap_or_default();
    let event = v1::AgentConfigChanged {
        meta: Some(events::meta(client.as_uuid(), agent_id.as_uuid(), &actor.request_id)),
        enabled: after.enabled(),
        role,
    };
    enqueue(&txn, crate::SCHEMA, &event).await?;
    txn.commit().await?;
    Ok(after)
}

/// Stores the operator's wished replica count (0-5) on the agent's group.
pub async fn set_replica_count(
    db: &DatabaseConnection,
    client: ClientId,
    agent_id: AgentId,
    count: i32,
    actor: &Actor,
) -> Result<i32> {
    if !(0..=MAX_REPLICA_COUNT).contains(&count) {
        return Err(LifecycleError::invalid(format!(
            "replica_count must be 0-{MAX_REPLICA_COUNT}, got {count}"
        )));
    }
    let txn = db.begin().await?;
    let (_, group_id) = group_of(&txn, client, agent_id).await?;
    let before = txn
        .query_one_raw(sql(
            "SELECT replica_count FROM lifecycle.groups WHERE id = $1 FOR UPDATE",
            [group_id.into()],
        ))
        .await?
        .ok_or(LifecycleError::NotFound("group"))?
        .try_get::<i32>("", "replica_count")?;
    if before != count {
        txn.execute_raw(sql(
            "UPDATE lifecycle.groups SET replica_count = $1, updated_at = now() WHERE id = $2",
            [count.into(), group_id.into()],
        ))
        .await?;
        actor
            .on(client, Some(group_id), agent_id)
            .record(
                &txn,
                "replica_count_changed",
                Some(json!({"replica_count": before})),
                Some(json!({"replica_count": count})),
            )
            .await?;
    }
    txn.commit().await?;
    Ok(count)
}

/// Records an operator's request for a manual replica (no instance yet,
/// status `launching`). A group keeps one live manual replica: asking again
/// while one is launching, syncing or ready returns that one. The request
/// is the group's kept replica (`kept`): the database holds at most one live
/// per group (migration 0007).
pub async fn request_manual_replica(
    db: &DatabaseConnection,
    client: ClientId,
    agent_id: AgentId,
    pool_id: Option<String>,
    actor: &Actor,
) -> Result<ReplicaRow> {
    let txn = db.begin().await?;
    let (row, group_id) = group_of(&txn, client, agent_id).await?;
    // The group lock serialises concurrent requests: at most one is created.
    groups::lock(&txn, group_id).await?;
    let live = replicas::list(&txn, group_id).await?.into_iter().find(|r| {
        r.replica_type == "manual" && matches!(r.status.as_str(), "launching" | "syncing" | "ready")
    });
    if let Some(existing) = live {
        txn.rollback().await?;
        return Ok(existing);
    }
    let id = Uuid::now_v7();
    let request_id = Some(actor.request_id.trim()).filter(|r| !r.is_empty()).map(str::to_owned);
    txn.execute_raw(sql(
        "INSERT INTO lifecycle.replicas (id, group_id, agent_id, replica_type, parent_instance_id, pool_id, status,
            request_id, kept)
         VALUES ($1, $2, $3, 'manual', $4, $5, 'launching', $6, true)",
        [
            id.into(),
            group_id.into(),
            agent_id.as_uuid().into(),
            Some(row.instance.instance_id.clone()).into(),
            pool_id.clone().into(),
            request_id.into(),
        ],
    ))
    .await?;
    let stored = replicas::get(&txn, group_id, id).await?.ok_or(LifecycleError::NotFound("replica"))?;
    actor
        .on(client, Some(group_id), agent_id)
        .record(&txn, "manual_replica_requested", None, Some(json!({"replica_id": id, "pool_id": pool_id})))
        .await?;
    let event = v1::ReplicaChanged {
        meta: Some(events::meta(client.as_uuid(), agent_id.as_uuid(), &actor.request_id)),
        replica: Some(crate::grpc::convert::replica(&stored)),
    };
    enqueue(&txn, crate::SCHEMA, &event).await?;
    txn.commit().await?;
    Ok(stored)
}
