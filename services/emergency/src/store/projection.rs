//! Emergency's projection of lifecycle's groups: agents (instance, pool,
//! typed or v4), instance roles and replicas, kept from lifecycle events.
//! A notice is decided from these rows; lifecycle is asked only to act
//! (docs/EMERGENCY.md, "A quieter path"). Every write keeps the newest
//! fact, so redelivered or reordered events are harmless.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use spot_platform::store::sql;
use uuid::Uuid;

/// One agent process of a group, as registered.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct GroupAgent {
    pub agent_id: Uuid,
    pub client_id: Uuid,
    pub group_id: Uuid,
    pub instance_id: String,
    pub pool_id: Option<String>,
    pub typed: bool,
}

/// Records (or refreshes) an agent.
pub async fn upsert_agent<C: ConnectionTrait>(conn: &C, a: &GroupAgent) -> Result<(), DbErr> {
    conn.execute_raw(sql(
        "INSERT INTO emergency.group_agents (agent_id, client_id, group_id, instance_id, pool_id, typed)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (agent_id) DO UPDATE SET group_id = EXCLUDED.group_id, instance_id = EXCLUDED.instance_id,
            pool_id = EXCLUDED.pool_id, typed = EXCLUDED.typed",
        [
            a.agent_id.into(),
            a.client_id.into(),
            a.group_id.into(),
            a.instance_id.clone().into(),
            a.pool_id.clone().into(),
            a.typed.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// The agent of a tenant, when known (another tenant's agent is unknown).
pub async fn agent<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    agent: Uuid,
) -> Result<Option<GroupAgent>, DbErr> {
    GroupAgent::find_by_statement(sql(
        "SELECT agent_id, client_id, group_id, instance_id, pool_id, typed FROM emergency.group_agents
         WHERE agent_id = $1 AND client_id = $2",
        [agent.into(), client.into()],
    ))
    .one(conn)
    .await
}

/// An instance's role changed (newest change wins).
pub async fn set_role<C: ConnectionTrait>(
    conn: &C,
    group: Uuid,
    instance: &str,
    role: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    conn.execute_raw(sql(
        "INSERT INTO emergency.group_instances (group_id, instance_id, role, changed_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (group_id, instance_id) DO UPDATE SET role = EXCLUDED.role, changed_at = EXCLUDED.changed_at
         WHERE group_instances.changed_at <= EXCLUDED.changed_at",
        [group.into(), instance.into(), role.into(), at.into()],
    ))
    .await?;
    Ok(())
}

/// A replica as lifecycle last reported it.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct GroupReplica {
    pub replica_id: Uuid,
    pub group_id: Uuid,
    pub instance_id: Option<String>,
    pub pool_id: Option<String>,
    pub status: String,
}

impl GroupReplica {
    /// Replica `replica_id` of `group` as lifecycle's record of it states
    /// (empty instance and pool ids are unknown ones).
    pub fn reported(replica_id: Uuid, group_id: Uuid, r: &spot_contracts::v1::ReplicaRecord) -> Self {
        Self {
            replica_id,
            group_id,
            instance_id: Some(r.instance_id.clone()).filter(|i| !i.is_empty()),
            pool_id: Some(r.pool_id.clone()).filter(|p| !p.is_empty()),
            status: r.status.clone(),
        }
    }
}

/// Records a replica's state (newest report wins).
pub async fn upsert_replica<C: ConnectionTrait>(
    conn: &C,
    r: &GroupReplica,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    conn.execute_raw(sql(
        "INSERT INTO emergency.group_replicas (replica_id, group_id, instance_id, pool_id, status, changed_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (replica_id) DO UPDATE SET instance_id = EXCLUDED.instance_id, pool_id = EXCLUDED.pool_id,
            status = EXCLUDED.status, changed_at = EXCLUDED.changed_at
         WHERE group_replicas.changed_at <= EXCLUDED.changed_at",
        [
            r.replica_id.into(),
            r.group_id.into(),
            r.instance_id.clone().into(),
            r.pool_id.clone().into(),
            r.status.clone().into(),
            at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// A ready replica of the group whose instance is (still) a REPLICA.
pub async fn ready_replica<C: ConnectionTrait>(conn: &C, group: Uuid) -> Result<Option<GroupReplica>, DbErr> {
    GroupReplica::find_by_statement(sql(
        "SELECT r.replica_id, r.group_id, r.instance_id, r.pool_id, r.status FROM emergency.group_replicas r
         LEFT JOIN emergency.group_instances i ON i.group_id = r.group_id AND i.instance_id = r.instance_id
         WHERE r.group_id = $1 AND r.status = 'ready' AND COALESCE(i.role, 'REPLICA') = 'REPLICA'
         ORDER BY r.changed_at LIMIT 1",
        [group.into()],
    ))
    .one(conn)
    .await
}

/// A replica's last known status.
pub async fn replica_status<C: ConnectionTrait>(conn: &C, replica: Uuid) -> Result<Option<String>, DbErr> {
    let r = conn
        .query_one_raw(sql(
            "SELECT status FROM emergency.group_replicas WHERE replica_id = $1",
            [replica.into()],
        ))
        .await?;
    r.map(|r| r.try_get("", "status")).transpose()
}
