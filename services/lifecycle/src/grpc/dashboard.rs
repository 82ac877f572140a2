//! gRPC handlers of the operators' dashboard calls: parse, call the store or
//! the ops layer, convert rows to messages.

use super::convert::{self, agent_ref, opt, ts};
use crate::error::{LifecycleError, Result};
use crate::ops::{self, Actor};
use crate::store::agents::config_enabled;
use crate::store::dashboard::{self as board, AgentOverviewRow};
use crate::store::dashboard_history as history;
use sea_orm::DatabaseConnection;
use spot_contracts::v1;
use spot_domain::ClientId;
use uuid::Uuid;

fn client(raw: &str) -> Result<Uuid> {
    Ok(ClientId::parse(raw).map_err(|e| LifecycleError::invalid(e.to_string()))?.as_uuid())
}

fn actor(name: &str, request_id: &str) -> Actor {
    Actor {
        name: opt(name).unwrap_or_else(|| "user:unknown".into()),
        request_id: request_id.trim().to_owned(),
    }
}

fn overview(a: &AgentOverviewRow) -> v1::AgentOverview {
    v1::AgentOverview {
        agent_id: a.agent_id.to_string(),
        logical_agent_id: a.logical_agent_id.clone(),
        hostname: a.hostname.clone(),
        instance: Some(super::instance_of(&a.instance)),
        status: a.status.as_str().to_owned(),
        reported_status: a.reported_status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        last_heartbeat_at: a.last_heartbeat_at.map(ts),
        config_enabled: config_enabled(a.role, a.registered_enabled, a.operator_enabled),
        operator_enabled: a.operator_enabled,
        role: a.role.map(|r| r.as_str().to_owned()).unwrap_or_default(),
        switching: a.switching,
        auto_switch: a.auto_switch,
        auto_terminate: a.auto_terminate,
        manual_replica: a.manual_replica,
        replica_count: a.replica_count,
        live_replicas: i32::try_from(a.live_replicas).unwrap_or(i32::MAX),
    }
}

pub async fn agents(db: &DatabaseConnection, r: v1::AgentOverviewRequest) -> Result<v1::AgentOverviewList> {
    let client = client(&r.client_id)?;
    let agent = match r.agent_id.as_deref() {
        // An unparsable id cannot be one of ours: not found, like an unknown one.
        Some(raw) => Some(LifecycleError::known_id(raw, "agent")?),
        None => None,
    };
    let rows = board::agents(db, client, agent).await?;
    if agent.is_some() && rows.is_empty() {
        return Err(LifecycleError::NotFound("agent"));
    }
    Ok(v1::AgentOverviewList { agents: rows.iter().map(overview).collect() })
}

pub async fn set_enabled(
    db: &DatabaseConnection,
    r: v1::SetAgentEnabledRequest,
) -> Result<v1::SetAgentEnabledResponse> {
    let (client, agent) = agent_ref(r.agent.as_ref())?;
    let row =
        ops::dashboard::set_enabled(db, client, agent, r.enabled, &actor(&r.actor, &r.request_id)).await?;
    Ok(v1::SetAgentEnabledResponse { operator_enabled: row.operator_enabled, config_enabled: row.enabled() })
}

pub async fn set_replica_count(
    db: &DatabaseConnection,
    r: v1::SetReplicaCountRequest,
) -> Result<v1::SetReplicaCountResponse> {
    let (client, agent) = agent_ref(r.agent.as_ref())?;
    let who = actor(&r.actor, &r.request_id);
    let count = ops::dashboard::set_replica_count(db, client, agent, r.replica_count, &who).await?;
    Ok(v1::SetReplicaCountResponse { replica_count: count })
}

pub async fn manual_replica(
    db: &DatabaseConnection,
    r: v1::ManualReplicaRequest,
) -> Result<v1::ReplicaRecord> {
    let (client, agent) = agent_ref(r.agent.as_ref())?;
    let pool = ops::commands::parse_pool_id(r.pool_id.as_deref())?;
    let who = actor(&r.actor, &r.request_id);
    let row = ops::dashboard::request_manual_replica(db, client, agent, pool, &who).await?;
    Ok(convert::replica(&row))
}

pub async fn instances(
    db: &DatabaseConnection,
    r: v1::InstanceOverviewRequest,
) -> Result<v1::InstanceOverviewList> {
    let client = client(&r.client_id)?;
    let rows = board::instances(db, client, r.instance_id.as_deref().map(str::trim)).await?;
    Ok(v1::InstanceOverviewList {
        instances: rows
            .into_iter()
            .map(|i| v1::InstanceOverview {
                instance_id: i.instance_id,
                group_id: i.group_id.to_string(),
                logical_agent_id: i.logical_agent_id,
                role: i.role,
                instance_type: i.instance_type,
                region: i.region,
                az: i.az,
                mode: i.mode,
                pool_id: i.pool_id,
                created_at: Some(ts(i.created_at)),
            })
            .collect(),
    })
}

pub async fn switches(
    db: &DatabaseConnection,
    r: v1::SwitchOverviewRequest,
) -> Result<v1::SwitchOverviewList> {
    let client = client(&r.client_id)?;
    let limit = if r.limit <= 0 { 100 } else { i64::from(r.limit) };
    let (rows, total, today) = history::switches(db, client, limit).await?;
    Ok(v1::SwitchOverviewList {
        switches: rows
            .into_iter()
            .map(|s| v1::SwitchOverview {
                switch_id: s.id.to_string(),
                agent_id: s.agent_id.to_string(),
                initiated_at: Some(ts(s.initiated_at)),
                old_instance_id: s.old_instance_id,
                new_instance_id: s.new_instance_id,
                old_mode: s.old_mode.unwrap_or_default(),
                new_mode: s.new_mode.unwrap_or_default(),
                old_az: s.old_az.unwrap_or_default(),
                new_az: s.new_az.unwrap_or_default(),
                trigger: s.trigger,
                on_demand_price: s.on_demand_price,
                old_spot_price: s.old_spot_price,
                new_spot_price: s.new_spot_price,
                downtime_seconds: s.downtime_seconds,
            })
            .collect(),
        total,
        today,
    })
}

pub async fn replicas(
    db: &DatabaseConnection,
    r: v1::TenantReplicasRequest,
) -> Result<v1::TenantReplicaList> {
    let client = client(&r.client_id)?;
    let rows = history::replicas(db, client).await?;
    Ok(v1::TenantReplicaList {
        replicas: rows
            .iter()
            .map(|t| v1::TenantReplica {
                replica: Some(convert::replica(&t.replica)),
                agent_id: t.agent_id.to_string(),
                instance_type: t.instance_type.clone(),
                region: t.region.clone(),
            })
            .collect(),
    })
}
