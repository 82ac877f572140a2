//! Replica rows.

use super::sql;
use crate::error::Result;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use spot_domain::group::{ReplicaStatus, Role};
use uuid::Uuid;

/// A replica as stored, with its instance's current role.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct ReplicaRow {
    pub id: Uuid,
    pub group_id: Uuid,
    pub instance_id: Option<String>,
    pub replica_type: String,
    pub parent_instance_id: Option<String>,
    pub pool_id: Option<String>,
    pub status: ReplicaStatus,
    pub boot_seconds: Option<f64>,
    pub created_at: DateTime<Utc>,
    pub role: Option<Role>,
}

const SELECT: &str = "SELECT r.id, r.group_id, r.instance_id, r.replica_type, r.parent_instance_id, r.pool_id, r.status,
                             r.boot_seconds, r.created_at, i.role
                      FROM lifecycle.replicas r
                      LEFT JOIN lifecycle.instances i ON i.group_id = r.group_id AND i.instance_id = r.instance_id";

/// A replica to record.
#[derive(Debug, Clone)]
pub struct NewReplica {
    pub group_id: Uuid,
    pub agent_id: Uuid,
    pub instance_id: String,
    pub parent_instance_id: Option<String>,
    pub replica_type: String,
    pub pool_id: Option<String>,
    pub status: ReplicaStatus,
    pub request_id: Option<String>,
}

/// Inserts, or returns the replica already recorded for that instance.
pub async fn insert_once<C: ConnectionTrait>(conn: &C, r: &NewReplica) -> Result<(ReplicaRow, bool)> {
    let inserted = conn
        .execute_raw(sql(
            "INSERT INTO lifecycle.replicas (id, group_id, agent_id, instance_id, parent_instance_id, replica_type,
                pool_id, status, request_id, ready_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $8 = 'ready' THEN now() END)
             ON CONFLICT DO NOTHING",
            [
                Uuid::now_v7().into(),
                r.group_id.into(),
                r.agent_id.into(),
                r.instance_id.as_str().into(),
                r.parent_instance_id.clone().into(),
                r.replica_type.as_str().into(),
                r.pool_id.clone().into(),
                r.status.into(),
                r.request_id.clone().into(),
            ],
        ))
        .await?
        .rows_affected()
        == 1;
    let stored = ReplicaRow::find_by_statement(sql(
        format!("{SELECT} WHERE r.group_id = $1 AND r.instance_id = $2"),
        [r.group_id.into(), r.instance_id.as_str().into()],
    ))
    .one(conn)
    .await?
    .ok_or(crate::error::LifecycleError::NotFound("replica"))?;
    Ok((stored, inserted))
}

/// The live replica manual replica mode keeps (at most one, migration 0007),
/// unless it was promoted and serves as PRIMARY.
pub async fn live_kept<C: ConnectionTrait>(conn: &C, group: Uuid) -> Result<Vec<Uuid>> {
    #[derive(FromQueryResult)]
    struct Id {
        id: Uuid,
    }
    let rows = Id::find_by_statement(sql(
        format!(
            "SELECT x.id FROM ({SELECT} WHERE r.group_id = $1 AND r.kept
               AND r.status IN ('launching', 'syncing', 'ready')) x
             WHERE x.role IS DISTINCT FROM 'PRIMARY'"
        ),
        [group.into()],
    ))
    .all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Replicas of a group, newest first.
pub async fn list<C: ConnectionTrait>(conn: &C, group: Uuid) -> Result<Vec<ReplicaRow>> {
    let rows = ReplicaRow::find_by_statement(sql(
        format!("{SELECT} WHERE r.group_id = $1 ORDER BY r.created_at DESC"),
        [group.into()],
    ));
    Ok(rows.all(conn).await?)
}

/// The replica `id` of `group`; 404 when there is none.
pub async fn require<C: ConnectionTrait>(conn: &C, group: Uuid, id: Uuid) -> Result<ReplicaRow> {
    get(conn, group, id).await?.ok_or(crate::error::LifecycleError::NotFound("replica"))
}

/// One replica of a group.
pub async fn get<C: ConnectionTrait>(conn: &C, group: Uuid, id: Uuid) -> Result<Option<ReplicaRow>> {
    let row = ReplicaRow::find_by_statement(sql(
        format!("{SELECT} WHERE r.group_id = $1 AND r.id = $2"),
        [group.into(), id.into()],
    ));
    Ok(row.one(conn).await?)
}

/// Sets a replica's status; `ready` also stamps the boot time.
pub async fn set_status<C: ConnectionTrait>(conn: &C, id: Uuid, status: ReplicaStatus) -> Result<()> {
    conn.execute_raw(sql(
        "UPDATE lifecycle.replicas SET status = $1, version = version + 1, updated_at = now(),
            ready_at = CASE WHEN $1 = 'ready' AND ready_at IS NULL THEN now() ELSE ready_at END,
            boot_seconds = CASE WHEN $1 = 'ready' AND ready_at IS NULL
                                THEN extract(epoch FROM now() - launched_at) ELSE boot_seconds END
         WHERE id = $2",
        [status.into(), id.into()],
    ))
    .await?;
    Ok(())
}
