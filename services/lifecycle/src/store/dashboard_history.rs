//! Dashboard reads of what happened: a tenant's switch history with counts,
//! and its replicas with the agent whose URLs address them.

use crate::error::Result;
use crate::store::replicas::ReplicaRow;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use spot_platform::store::sql;
use uuid::Uuid;

/// One switch.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct SwitchOverviewRow {
    pub id: Uuid,
    pub agent_id: Uuid,
    pub initiated_at: DateTime<Utc>,
    pub old_instance_id: String,
    pub new_instance_id: String,
    pub old_mode: Option<String>,
    pub new_mode: Option<String>,
    pub old_az: Option<String>,
    pub new_az: Option<String>,
    pub trigger: String,
    pub on_demand_price: Option<f64>,
    pub old_spot_price: Option<f64>,
    pub new_spot_price: Option<f64>,
    pub downtime_seconds: Option<f64>,
}

/// The newest `limit` switches of a tenant, the total, and today's count (UTC).
pub async fn switches<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    limit: i64,
) -> Result<(Vec<SwitchOverviewRow>, i64, i64)> {
    let list = SwitchOverviewRow::find_by_statement(sql(
        "SELECT id, agent_id, COALESCE(switch_initiated_at, created_at) AS initiated_at, old_instance_id,
                    new_instance_id, old_mode, new_mode, old_az, new_az, trigger, on_demand_price,
                    old_spot_price, new_spot_price, downtime_seconds
             FROM lifecycle.switches WHERE client_id = $1 ORDER BY created_at DESC LIMIT $2",
        [client.into(), limit.clamp(1, super::dashboard::MAX_ROWS).into()],
    ))
    .all(conn)
    .await?;
    // Served by switches_by_client (client_id, created_at DESC).
    let counts = conn
        .query_one_raw(sql(
            "SELECT count(*) AS total,
                    count(*) FILTER (WHERE created_at >= (now() AT TIME ZONE 'UTC')::date::timestamp
                                                         AT TIME ZONE 'UTC') AS today
             FROM lifecycle.switches WHERE client_id = $1",
            [client.into()],
        ))
        .await?;
    let (total, today) = match counts {
        Some(r) => (r.try_get("", "total")?, r.try_get("", "today")?),
        None => (0, 0),
    };
    Ok((list, total, today))
}

/// A replica with the agent that reported it and that agent's instance type and region.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct TenantReplicaRow {
    #[sea_orm(nested)]
    pub replica: ReplicaRow,
    pub agent_id: Uuid,
    #[sea_orm(from_alias = "agent_instance_type")]
    pub instance_type: String,
    #[sea_orm(from_alias = "agent_region")]
    pub region: String,
}

/// Replicas of a tenant, newest first.
pub async fn replicas<C: ConnectionTrait>(conn: &C, client: Uuid) -> Result<Vec<TenantReplicaRow>> {
    Ok(TenantReplicaRow::find_by_statement(sql(
            "SELECT r.id, r.group_id, r.agent_id, r.instance_id, r.replica_type, r.parent_instance_id, r.pool_id,
                    r.status, r.boot_seconds, r.created_at, i.role,
                    COALESCE(a.instance_type, '') AS agent_instance_type, COALESCE(a.region, '') AS agent_region
             FROM lifecycle.replicas r
             JOIN lifecycle.groups g ON g.id = r.group_id
             LEFT JOIN lifecycle.instances i ON i.group_id = r.group_id AND i.instance_id = r.instance_id
             LEFT JOIN lifecycle.agents a ON a.agent_id = r.agent_id
             WHERE g.client_id = $1
             ORDER BY r.created_at DESC LIMIT $2",
            [client.into(), super::dashboard::MAX_ROWS.into()],
        ))
        .all(conn)
        .await?)
}
