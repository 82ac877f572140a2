//! Conversions between wire messages and lifecycle rows.

use crate::error::{LifecycleError, Result};
use crate::store::commands::CommandRow;
use crate::store::groups::LoadedGroup;
use crate::store::replicas::ReplicaRow;
use spot_contracts::v1;
use spot_domain::{AgentId, ClientId};

pub use spot_platform::time::to_wire as ts;

/// Parses the (client, agent) pair of a request.
pub fn agent_ref(r: Option<&v1::AgentRef>) -> Result<(ClientId, AgentId)> {
    let r = r.ok_or_else(|| LifecycleError::invalid("agent is required"))?;
    parse_ids(&r.client_id, &r.agent_id)
}

pub fn parse_ids(client: &str, agent: &str) -> Result<(ClientId, AgentId)> {
    let client = ClientId::parse(client).map_err(|e| LifecycleError::invalid(e.to_string()))?;
    // An unparsable agent id cannot be ours: same answer as an unknown one.
    let agent = AgentId::parse(agent).map_err(|_| LifecycleError::NotFound("agent"))?;
    Ok((client, agent))
}

pub fn command(c: &CommandRow) -> v1::CommandRecord {
    v1::CommandRecord {
        id: c.id.to_string(),
        command_type: c.command_type.clone(),
        priority: c.priority,
        target_mode: c.target_mode.clone().unwrap_or_default(),
        target_pool_id: c.target_pool_id.clone(),
        status: c.status.clone(),
        request_id: c.request_id.clone(),
        actor: c.actor.clone(),
        deadline: c.deadline.map(ts),
        created_at: Some(ts(c.created_at)),
        result_message: c.result_message.clone(),
        agent_id: c.agent_id.to_string(),
    }
}

pub fn replica(r: &ReplicaRow) -> v1::ReplicaRecord {
    v1::ReplicaRecord {
        replica_id: r.id.to_string(),
        group_id: r.group_id.to_string(),
        instance_id: r.instance_id.clone().unwrap_or_default(),
        replica_type: r.replica_type.clone(),
        parent_instance_id: r.parent_instance_id.clone().unwrap_or_default(),
        pool_id: r.pool_id.clone().unwrap_or_default(),
        status: r.status.as_str().to_owned(),
        boot_seconds: r.boot_seconds,
        created_at: Some(ts(r.created_at)),
        role: r.role.map(|role| role.as_str().to_owned()).unwrap_or_default(),
    }
}

pub fn settings(g: &LoadedGroup) -> v1::GroupSettings {
    let s = &g.group.settings;
    v1::GroupSettings {
        group_id: g.id.to_string(),
        logical_agent_id: g.logical_agent_id.clone(),
        auto_switch: s.auto_switch,
        manual_replica: s.manual_replica,
        auto_terminate: s.auto_terminate,
        terminate_wait_seconds: s.terminate_wait_seconds,
        min_savings_percent: s.min_savings_percent,
        max_switches_per_week: s.max_switches_per_week,
        min_pool_duration_hours: s.min_pool_duration_hours,
        version: g.group.version,
        availability_target_percent: s.availability_target_percent,
    }
}

/// Optional text: empty becomes None.
pub fn opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}
