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
    pub group_id: Option<Uuid>,
    pub capabilities: Vec<String>,
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
    /// The operator's switch (dashboard toggle); off makes the agent passive.
    pub operator_enabled: bool,
    pub last_heartbeat_at: Option<DateTime<Utc>>,
    pub heartbeat_count: i64,
    pub monitored_instances: Vec<String>,
    pub version: i64,
    pub group_id: Option<Uuid>,
    /// Role of the agent's instance in its group (None before groups existed).
    pub role: Option<String>,
    pub agent_version: String,
    pub capabilities: Vec<String>,
}

impl AgentRow {
    /// What v4 reads from GET /config: active only on the group's PRIMARY,
    /// and only while the operator has not switched the agent off.
    pub fn enabled(&self) -> bool {
        config_enabled(self.role.as_deref(), self.enabled, self.operator_enabled)
    }

    /// Typed commands (section B) need a newer agent: version 5+ or a declared capability.
    pub fn runs_typed_commands(&self) -> bool {
        let major = self.agent_version.split('.').next().and_then(|m| m.parse::<u32>().ok()).unwrap_or(0);
        major >= 5 || self.capabilities.iter().any(|c| c == "typed_commands")
    }
}

/// GET /config's `enabled`: the role decides (PRIMARY serves), the
/// registration's decision stands in for agents without a group, and the
/// operator's switch can only turn an agent off, never make a non-PRIMARY active.
pub fn config_enabled(role: Option<&str>, registered: bool, operator: bool) -> bool {
    operator
        && match role {
            Some(role) => role == "PRIMARY",
            None => registered,
        }
}

/// Inserts a registration.
pub async fn insert<C: ConnectionTrait>(conn: &C, a: &NewAgent) -> Result<(), DbErr> {
    conn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO lifecycle.agents (agent_id, client_id, logical_agent_id, instance_id, instance_type, region, az,
            ami_id, mode, hostname, agent_version, private_ip, public_ip, enabled, status, group_id, capabilities)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'online', $15, $16)",
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
            a.group_id.into(),
            a.capabilities.clone().into(),
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
            "SELECT a.agent_id, a.client_id, a.logical_agent_id, a.instance_id, a.instance_type, a.region, a.az,
                    a.ami_id, a.mode, a.status, a.enabled, a.operator_enabled, a.last_heartbeat_at, a.heartbeat_count,
                    a.monitored_instances, a.version, a.group_id, a.agent_version, a.capabilities,
                    (SELECT i.role FROM lifecycle.instances i
                     WHERE i.group_id = a.group_id AND i.instance_id = a.instance_id) AS role
             FROM lifecycle.agents a
             WHERE a.agent_id = $1",
            [agent.as_uuid().into()],
        ))
        .await?;
    // Looked up by primary key alone (under load the planner otherwise walked
    // the tenant's agents); another tenant's agent is simply not found.
    let row = match row {
        Some(r) if r.try_get::<uuid::Uuid>("", "client_id")? == client.as_uuid() => Some(r),
        _ => None,
    };
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
            operator_enabled: r.try_get("", "operator_enabled")?,
            last_heartbeat_at: r.try_get("", "last_heartbeat_at")?,
            heartbeat_count: r.try_get("", "heartbeat_count")?,
            monitored_instances: r.try_get("", "monitored_instances")?,
            version: r.try_get("", "version")?,
            group_id: r.try_get("", "group_id")?,
            role: r.try_get("", "role")?,
            agent_version: r.try_get("", "agent_version")?,
            capabilities: r.try_get("", "capabilities")?,
        })
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::config_enabled;

    #[test]
    fn only_an_enabled_primary_is_active() {
        assert!(config_enabled(Some("PRIMARY"), false, true));
        assert!(!config_enabled(Some("PRIMARY"), true, false));
        assert!(!config_enabled(Some("REPLICA"), true, true));
        assert!(!config_enabled(Some("ZOMBIE"), true, true));
        assert!(config_enabled(None, true, true));
        assert!(!config_enabled(None, true, false));
        assert!(!config_enabled(None, false, true));
    }
}
