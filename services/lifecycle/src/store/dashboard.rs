//! Reads for the operators' dashboard (docs/CLIENT_DASHBOARD.md): agents
//! with their group settings, instances, switch history and replicas of one
//! tenant, as typed rows. Each is one statement, capped in size.

use super::agents::InstanceColumns;
use crate::error::Result;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use spot_domain::group::Role;
use spot_domain::{AgentStatus, ReportedStatus};
use spot_platform::store::sql;
use uuid::Uuid;

/// Largest list the dashboard is sent (it pages nothing).
pub const MAX_ROWS: i64 = 1000;

/// One agent as the dashboard shows it.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct AgentOverviewRow {
    pub agent_id: Uuid,
    pub logical_agent_id: String,
    pub hostname: String,
    #[sea_orm(nested)]
    pub instance: InstanceColumns,
    pub status: AgentStatus,
    pub reported_status: Option<ReportedStatus>,
    pub last_heartbeat_at: Option<DateTime<Utc>>,
    /// The agent's own `enabled` column (what registration decided).
    #[sea_orm(from_alias = "enabled")]
    pub registered_enabled: bool,
    pub operator_enabled: bool,
    pub role: Option<Role>,
    pub switching: bool,
    pub auto_switch: bool,
    pub auto_terminate: bool,
    pub manual_replica: bool,
    pub replica_count: i32,
    pub live_replicas: i64,
}

/// `agent`: that one registration, whatever its state. None: the newest
/// registration of every instance that is not TERMINATED (a switched-away
/// v4 agent exits; its successor registers under a new id).
pub async fn agents<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    agent: Option<Uuid>,
) -> Result<Vec<AgentOverviewRow>> {
    Ok(AgentOverviewRow::find_by_statement(sql(
            "SELECT a.agent_id, a.logical_agent_id, a.hostname, a.instance_id, a.instance_type, a.region, a.az,
                    a.ami_id, a.mode, a.status, a.reported_status, a.last_heartbeat_at, a.enabled,
                    a.operator_enabled, i.role,
                    COALESCE(g.auto_switch, false) AS auto_switch,
                    COALESCE(g.auto_terminate, false) AS auto_terminate,
                    COALESCE(g.manual_replica, false) AS manual_replica,
                    COALESCE(g.replica_count, 0) AS replica_count,
                    EXISTS (SELECT 1 FROM lifecycle.commands c
                            WHERE c.agent_id = a.agent_id AND c.command_type = 'SWITCH'
                              AND c.status = 'delivered') AS switching,
                    (SELECT count(*) FROM lifecycle.replicas r
                     WHERE r.group_id = a.group_id AND r.status IN ('launching', 'syncing', 'ready')) AS live_replicas
             FROM lifecycle.agents a
             LEFT JOIN lifecycle.groups g ON g.id = a.group_id
             LEFT JOIN lifecycle.instances i ON i.group_id = a.group_id AND i.instance_id = a.instance_id
             WHERE a.client_id = $1
               AND ($2::uuid IS NULL OR a.agent_id = $2)
               AND ($2::uuid IS NOT NULL OR (
                    COALESCE(i.role, '') <> 'TERMINATED' AND a.deleted_at IS NULL
                    AND NOT EXISTS (SELECT 1 FROM lifecycle.agents n
                                    WHERE n.group_id = a.group_id AND n.instance_id = a.instance_id
                                      AND n.registered_at > a.registered_at)))
             ORDER BY a.logical_agent_id, a.registered_at DESC
             LIMIT $3",
            [client.into(), agent.into(), MAX_ROWS.into()],
        ))
        .all(conn)
        .await?)
}

/// One instance of a tenant's groups.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct InstanceOverviewRow {
    pub instance_id: String,
    pub group_id: Uuid,
    pub logical_agent_id: String,
    pub role: String,
    pub instance_type: String,
    pub region: String,
    pub az: String,
    pub mode: String,
    pub pool_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Instances of the tenant, newest first (optionally one instance id).
pub async fn instances<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    instance: Option<&str>,
) -> Result<Vec<InstanceOverviewRow>> {
    Ok(InstanceOverviewRow::find_by_statement(sql(
        "SELECT i.instance_id, i.group_id, g.logical_agent_id, i.role, i.instance_type, i.region, i.az,
                    i.mode, i.pool_id, i.created_at
             FROM lifecycle.instances i JOIN lifecycle.groups g ON g.id = i.group_id
             WHERE g.client_id = $1 AND ($2::text IS NULL OR i.instance_id = $2)
             ORDER BY i.created_at DESC LIMIT $3",
        [client.into(), instance.map(str::to_owned).into(), MAX_ROWS.into()],
    ))
    .all(conn)
    .await?)
}
