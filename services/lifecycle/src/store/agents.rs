//! Agent rows: registration and reads.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};
use spot_domain::{AgentId, ClientId, InstanceMode, LogicalAgentId};
use uuid::Uuid;

/// A validated registration.
#[derive(Debug, Clone)]
pub struct NewAgent {
    pub agent_id: AgentId,
    pub client_id: ClientId,
    pub logical_agent_id: LogicalAgentId,
    pub instance_id: String,
    pub instance_type: String,
    pub region: String,
    pub az: String,
    pub ami_id: String,
    pub mode: InstanceMode,
    pub hostname: String,
    pub agent_version: String,
    pub private_ip: Option<String>,
    pub public_ip: Option<String>,
    pub enabled: bool,
}

/// An agent as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentRow {
    pub agent_id: Uuid,
    pub client_id: Uuid,
    pub logical_agent_id: String,
    pub instance_id: String,
    pub instance_type: String,
    pub region: String,
    pub az: String,
    pub ami_id: String,
    pub mode: String,
    pub status: String,
    pub enabled: bool,
    pub last_heartbeat_at: Option<DateTime<Utc>>,
    pub heartbeat_count: i64,
    pub monitored_instances: Vec<String>,
    pub version: i64,
}

/// Inserts a registration.
pub async fn insert<C: ConnectionTrait>(conn: &C, a: &NewAgent) -> Result<(), DbErr> {
    conn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO lifecycle.agents (agent_id, client_id, logical_agent_id, instance_id, instance_type, region, az,
            ami_id, mode, hostname, agent_version, private_ip, public_ip, enabled, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'online')",
        [
            a.agent_id.as_uuid().into(),
            a.client_id.as_uuid().into(),
            a.logical_agent_id.as_str().into(),
            a.instance_id.as_str().into(),
            a.instance_type.as_str().into(),
            a.region.as_str().into(),
            a.az.as_str().into(),
            a.ami_id.as_str().into(),
            a.mode.as_str().into(),
            a.hostname.as_str().into(),
            a.agent_version.as_str().into(),
            a.private_ip.clone().into(),
            a.public_ip.clone().into(),
            a.enabled.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Reads one agent of one tenant.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    client: ClientId,
    agent: AgentId,
) -> Result<Option<AgentRow>, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT agent_id, client_id, logical_agent_id, instance_id, instance_type, region, az, ami_id, mode,
                    status, enabled, last_heartbeat_at, heartbeat_count, monitored_instances, version
             FROM lifecycle.agents WHERE agent_id = $1 AND client_id = $2",
            [agent.as_uuid().into(), client.as_uuid().into()],
        ))
        .await?;
    row.map(|r| {
        Ok(AgentRow {
            agent_id: r.try_get("", "agent_id")?,
            client_id: r.try_get("", "client_id")?,
            logical_agent_id: r.try_get("", "logical_agent_id")?,
            instance_id: r.try_get("", "instance_id")?,
            instance_type: r.try_get("", "instance_type")?,
            region: r.try_get("", "region")?,
            az: r.try_get("", "az")?,
            ami_id: r.try_get("", "ami_id")?,
            mode: r.try_get("", "mode")?,
            status: r.try_get("", "status")?,
            enabled: r.try_get("", "enabled")?,
            last_heartbeat_at: r.try_get("", "last_heartbeat_at")?,
            heartbeat_count: r.try_get("", "heartbeat_count")?,
            monitored_instances: r.try_get("", "monitored_instances")?,
            version: r.try_get("", "version")?,
        })
    })
    .transpose()
}
