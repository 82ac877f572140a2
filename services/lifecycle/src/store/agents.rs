//! Agent rows: registration and reads.

use super::sql;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use spot_domain::group::Role;
use spot_domain::{AgentId, AgentStatus, ClientId, InstanceMode, LogicalAgentId};
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

/// The instance an agent runs on, as its registration stored it.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct InstanceColumns {
    pub instance_id: String,
    pub instance_type: String,
    pub region: String,
    pub az: String,
    pub ami_id: String,
    pub mode: String,
}

/// An agent as stored.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct AgentRow {
    pub agent_id: Uuid,
    pub client_id: Uuid,
    pub logical_agent_id: String,
    #[sea_orm(nested)]
    pub instance: InstanceColumns,
    pub status: AgentStatus,
    pub enabled: bool,
    /// The operator's switch (dashboard toggle); off makes the agent passive.
    pub operator_enabled: bool,
    pub last_heartbeat_at: Option<DateTime<Utc>>,
    pub heartbeat_count: i64,
    pub monitored_instances: Vec<String>,
    pub version: i64,
    pub group_id: Option<Uuid>,
    /// Role of the agent's instance in its group (None before groups existed).
    pub role: Option<Role>,
    pub agent_version: String,
    pub capabilities: Vec<String>,
}

impl AgentRow {
    /// What v4 reads from GET /config: active only on the group's PRIMARY,
    /// and only while the operator has not switched the agent off.
    pub fn enabled(&self) -> bool {
        config_enabled(self.role, self.enabled, self.operator_enabled)
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
pub fn config_enabled(role: Option<Role>, registered: bool, operator: bool) -> bool {
    operator
        && match role {
            Some(role) => role == Role::Primary,
            None => registered,
        }
}

/// Inserts a registration.
pub async fn insert<C: ConnectionTrait>(conn: &C, a: &NewAgent) -> Result<(), DbErr> {
    conn.execute_raw(sql(
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
    let row = AgentRow::find_by_statement(sql(
        "SELECT a.agent_id, a.client_id, a.logical_agent_id, a.instance_id, a.instance_type, a.region, a.az,
                a.ami_id, a.mode, a.status, a.enabled, a.operator_enabled, a.last_heartbeat_at, a.heartbeat_count,
                a.monitored_instances, a.version, a.group_id, a.agent_version, a.capabilities,
                (SELECT i.role FROM lifecycle.instances i
                 WHERE i.group_id = a.group_id AND i.instance_id = a.instance_id) AS role
         FROM lifecycle.agents a
         WHERE a.agent_id = $1",
        [agent.as_uuid().into()],
    ))
    .one(conn)
    .await?;
    // Looked up by primary key alone (under load the planner otherwise walked
    // the tenant's agents); another tenant's agent is simply not found.
    Ok(row.filter(|r| r.client_id == client.as_uuid()))
}

/// An agent and its tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromQueryResult)]
pub struct AgentKey {
    pub agent_id: Uuid,
    pub client_id: Uuid,
}

/// Marks online agents silent for longer than `timeout_secs` offline (a
/// silent agent is never taken for a terminated one); returns them.
pub async fn mark_silent_offline<C: ConnectionTrait>(
    conn: &C,
    timeout_secs: f64,
) -> Result<Vec<AgentKey>, DbErr> {
    AgentKey::find_by_statement(sql(
        // Literal statuses, not parameters: a partial index may serve them.
        "UPDATE lifecycle.agents SET status = 'offline', updated_at = now(), version = version + 1
         WHERE status = 'online'
           AND COALESCE(last_heartbeat_at, registered_at) < now() - make_interval(secs => $1)
         RETURNING agent_id, client_id",
        [timeout_secs.into()],
    ))
    .all(conn)
    .await
}

/// An agent and the instance it runs on.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct AgentOnInstance {
    pub agent_id: Uuid,
    pub instance_id: String,
}

/// The agents of a group running on any of `instances`.
pub async fn on_instances<C: ConnectionTrait>(
    conn: &C,
    group: Uuid,
    instances: Vec<String>,
) -> Result<Vec<AgentOnInstance>, DbErr> {
    AgentOnInstance::find_by_statement(sql(
        "SELECT agent_id, instance_id FROM lifecycle.agents WHERE group_id = $1 AND instance_id = ANY($2)",
        [group.into(), instances.into()],
    ))
    .all(conn)
    .await
}

/// The newest agent registered on an instance of a group.
pub async fn newest_on_instance<C: ConnectionTrait>(
    conn: &C,
    group: Uuid,
    instance: &str,
) -> Result<Option<Uuid>, DbErr> {
    let row = AgentOnInstance::find_by_statement(sql(
        "SELECT agent_id, instance_id FROM lifecycle.agents WHERE group_id = $1 AND instance_id = $2
         ORDER BY registered_at DESC LIMIT 1",
        [group.into(), instance.into()],
    ))
    .one(conn)
    .await?;
    Ok(row.map(|r| r.agent_id))
}

#[cfg(test)]
mod tests {
    use super::{Role, config_enabled};

    #[test]
    fn only_an_enabled_primary_is_active() {
        assert!(config_enabled(Some(Role::Primary), false, true));
        assert!(!config_enabled(Some(Role::Primary), true, false));
        assert!(!config_enabled(Some(Role::Replica), true, true));
        assert!(!config_enabled(Some(Role::Zombie), true, true));
        assert!(config_enabled(None, true, true));
        assert!(!config_enabled(None, true, false));
        assert!(!config_enabled(None, false, true));
    }
}
