//! Handlers of the agent and operator calls: parse, call the ops layer, map.

use super::convert::{self, agent_ref, opt};
use crate::error::{LifecycleError, Result};
use crate::ops::{self, Actor};
use crate::store::groups::InstanceDetails;
use crate::store::switches::{NewSwitch, SwitchSide};
use sea_orm::DatabaseConnection;
use spot_contracts::v1;
use spot_domain::group::{ReplicaStatus, SettingsPatch};
use uuid::Uuid;

fn uuid(raw: &str, what: &'static str) -> Result<Uuid> {
    LifecycleError::known_id(raw, what)
}

fn replica_status(raw: &str) -> Result<ReplicaStatus> {
    ReplicaStatus::parse(raw).ok_or_else(|| {
        LifecycleError::invalid(format!("status must be launching, syncing, ready or failed, got {raw:?}"))
    })
}

fn actor(name: &str, request_id: &str, fallback: String) -> Actor {
    Actor { name: opt(name).unwrap_or(fallback), request_id: request_id.trim().to_owned() }
}

pub async fn pending(db: &DatabaseConnection, r: v1::AgentRef) -> Result<v1::CommandList> {
    let (client, agent) = agent_ref(Some(&r))?;
    let (commands, typed) = ops::commands::pending(db, client, agent).await?;
    Ok(v1::CommandList { commands: commands.iter().map(convert::command).collect(), typed })
}

pub async fn executed(db: &DatabaseConnection, r: v1::CommandExecutedRequest) -> Result<v1::CommandRecord> {
    let (client, agent) = agent_ref(r.agent.as_ref())?;
    let id = uuid(&r.command_id, "command")?;
    let row = ops::commands::executed(db, client, agent, id, r.success, &r.message).await?;
    Ok(convert::command(&row))
}

pub async fn issue_switch(
    db: &DatabaseConnection,
    r: v1::IssueSwitchCommandRequest,
) -> Result<v1::IssueCommandResponse> {
    let (client, agent) = agent_ref(r.agent.as_ref())?;
    let who = actor(&r.actor, &r.request_id, "user:unknown".into());
    let (row, created) =
        ops::commands::issue_switch(db, client, agent, &r.target_mode, r.target_pool_id.as_deref(), &who)
            .await?;
    Ok(v1::IssueCommandResponse { command: Some(convert::command(&row)), created })
}

fn side(i: Option<&v1::SwitchInstance>, name: &str) -> Result<v1::SwitchInstance> {
    let i = i.cloned().ok_or_else(|| LifecycleError::invalid(format!("{name} is required")))?;
    if i.instance_id.trim().is_empty() {
        return Err(LifecycleError::invalid(format!("{name}.instance_id is required")));
    }
    Ok(i)
}

/// A reported side: the trimmed instance id, empty fields absent.
fn switch_side(i: &v1::SwitchInstance) -> SwitchSide {
    SwitchSide {
        instance_id: i.instance_id.trim().to_owned(),
        pool_id: opt(&i.pool_id),
        mode: opt(&i.mode),
        az: opt(&i.az),
    }
}

pub async fn report_switch(
    db: &DatabaseConnection,
    r: v1::SwitchReportRequest,
) -> Result<v1::SwitchReportResponse> {
    let (client, agent) = agent_ref(r.agent.as_ref())?;
    let old = side(r.old_instance.as_ref(), "old_instance")?;
    let new = side(r.new_instance.as_ref(), "new_instance")?;
    let trigger = match r.trigger.trim() {
        "" | "manual" => "manual",
        t @ ("model" | "emergency" | "scheduled") => t,
        other => {
            return Err(LifecycleError::invalid(format!("trigger must be manual or model, got {other:?}")));
        }
    };
    let t = r.timing.unwrap_or_default();
    let at = spot_platform::time::from_wire_opt;
    let sw = NewSwitch {
        old: switch_side(&old),
        new: switch_side(&new),
        instance_type: opt(&new.instance_type),
        region: opt(&new.region),
        new_ami_id: opt(&new.ami_id),
        snapshot_used: r.snapshot_used,
        snapshot_ami_id: r.snapshot_ami_id.clone(),
        snapshot_ami_name: r.snapshot_ami_name.clone(),
        on_demand_price: r.on_demand_price,
        old_spot_price: r.old_spot_price,
        new_spot_price: r.new_spot_price,
        timings: [
            at(&t.switch_initiated_at),
            at(&t.snapshot_created_at),
            at(&t.ami_created_at),
            at(&t.new_instance_launched_at),
            at(&t.new_instance_ready_at),
            at(&t.traffic_switched_at),
            at(&t.old_instance_terminated_at),
        ],
        trigger: trigger.to_owned(),
        actor: format!("agent:{agent}"),
        request_id: opt(&r.request_id),
        ..Default::default()
    };
    let details = InstanceDetails {
        instance_type: new.instance_type.clone(),
        region: new.region.clone(),
        az: new.az.clone(),
        ami_id: new.ami_id.clone(),
        mode: if new.mode == "ondemand" { "ondemand".into() } else { "spot".into() },
        pool_id: opt(&new.pool_id),
    };
    let who = actor("", &r.request_id, format!("agent:{agent}"));
    let done = ops::switch::report(db, client, agent, sw, details, &who).await?;
    Ok(v1::SwitchReportResponse {
        switch_id: done.switch_id.to_string(),
        downtime_seconds: done.downtime_seconds,
        total_seconds: done.total_seconds,
        duplicate: done.duplicate,
    })
}

pub async fn create_replica(
    db: &DatabaseConnection,
    r: v1::CreateReplicaRequest,
) -> Result<v1::ReplicaRecord> {
    let (client, agent) = agent_ref(r.agent.as_ref())?;
    let status =
        if r.status.trim().is_empty() { ReplicaStatus::Launching } else { replica_status(&r.status)? };
    let report = ops::replicas::ReplicaReport {
        instance_id: r.instance_id.trim().to_owned(),
        replica_type: r.replica_type.clone(),
        parent_instance_id: opt(&r.parent_instance_id),
        pool_id: opt(&r.pool_id),
        status,
        request_id: opt(&r.request_id),
    };
    let who = actor("", &r.request_id, format!("agent:{agent}"));
    let row = ops::replicas::create(db, client, agent, report, &who).await?;
    Ok(convert::replica(&row))
}

pub async fn list_replicas(db: &DatabaseConnection, r: v1::AgentRef) -> Result<v1::ReplicaList> {
    let (client, agent) = agent_ref(Some(&r))?;
    let rows = ops::replicas::list(db, client, agent).await?;
    Ok(v1::ReplicaList { replicas: rows.iter().map(convert::replica).collect() })
}

pub async fn replica_status_update(
    db: &DatabaseConnection,
    r: v1::UpdateReplicaStatusRequest,
) -> Result<v1::ReplicaRecord> {
    let (client, agent) = agent_ref(r.agent.as_ref())?;
    let id = uuid(&r.replica_id, "replica")?;
    let status = replica_status(&r.status)?;
    let who = actor(&r.actor, "", format!("agent:{agent}"));
    let row = ops::replicas::update_status(db, client, agent, id, status, &who).await?;
    Ok(convert::replica(&row))
}

pub async fn promote(
    db: &DatabaseConnection,
    r: v1::PromoteReplicaRequest,
) -> Result<v1::PromoteReplicaResponse> {
    let (client, agent) = agent_ref(r.agent.as_ref())?;
    let id = uuid(&r.replica_id, "replica")?;
    let who = actor(&r.actor, &r.request_id, format!("agent:{agent}"));
    let done = ops::replicas::promote(db, client, agent, id, r.expected_version, &who).await?;
    let (old_id, old_role) =
        done.old_primary.map(|(i, role)| (i, role.as_str().to_owned())).unwrap_or_default();
    Ok(v1::PromoteReplicaResponse {
        replica_id: done.replica.id.to_string(),
        new_primary_instance_id: done.new_primary,
        old_primary_instance_id: old_id,
        old_primary_role: old_role,
        group_version: done.group_version,
    })
}

pub async fn replica_config(db: &DatabaseConnection, r: v1::AgentRef) -> Result<v1::ReplicaConfig> {
    let (client, agent) = agent_ref(Some(&r))?;
    let loaded = ops::settings::get(db, client, agent).await?;
    let row = ops::commands::agent_of(db, client, agent).await?;
    let replicas = crate::store::replicas::list(db, loaded.id).await?;
    Ok(v1::ReplicaConfig {
        manual_replica: loaded.group.settings.manual_replica,
        auto_switch: loaded.group.settings.auto_switch,
        primary_instance_id: loaded.group.primary().map(|p| p.instance_id.clone()).unwrap_or_default(),
        role: row.role.map(|r| r.as_str().to_owned()).unwrap_or_default(),
        replicas: replicas.iter().map(convert::replica).collect(),
    })
}

pub async fn get_settings(db: &DatabaseConnection, r: v1::AgentRef) -> Result<v1::GroupSettings> {
    let (client, agent) = agent_ref(Some(&r))?;
    Ok(convert::settings(&ops::settings::get(db, client, agent).await?))
}

pub async fn update_settings(
    db: &DatabaseConnection,
    r: v1::UpdateGroupSettingsRequest,
) -> Result<v1::GroupSettings> {
    let (client, agent) = agent_ref(r.agent.as_ref())?;
    let patch = SettingsPatch {
        auto_switch: r.auto_switch,
        manual_replica: r.manual_replica,
        auto_terminate: r.auto_terminate,
        terminate_wait_seconds: r.terminate_wait_seconds,
        min_savings_percent: r.min_savings_percent,
        max_switches_per_week: r.max_switches_per_week,
        min_pool_duration_hours: r.min_pool_duration_hours,
        availability_target_percent: r.availability_target_percent,
    };
    let who = actor(&r.actor, &r.request_id, "user:unknown".into());
    Ok(convert::settings(&ops::settings::update(db, client, agent, &patch, &who).await?))
}

pub async fn list_records(
    db: &DatabaseConnection,
    r: v1::ListRecordsRequest,
) -> Result<v1::ListRecordsResponse> {
    use crate::store::listing::{ListQuery, list};
    let client =
        spot_domain::ClientId::parse(&r.client_id).map_err(|e| LifecycleError::invalid(e.to_string()))?;
    let id = |v: &Option<String>, field: &str| LifecycleError::optional_id(v.as_deref(), field);
    let query = ListQuery {
        client_id: client.as_uuid(),
        limit: if r.limit <= 0 { 50 } else { i64::from(r.limit) },
        after: id(&r.after, "after")?,
        group_id: id(&r.group_id, "group_id")?,
        agent_id: id(&r.agent_id, "agent_id")?,
        role: r.role.as_deref().map(|s| s.trim().to_ascii_uppercase()).filter(|s| !s.is_empty()),
        status: r.status.as_deref().map(|s| s.trim().to_ascii_lowercase()).filter(|s| !s.is_empty()),
    };
    let (items, next) = list(db, &r.kind, &query).await?;
    Ok(v1::ListRecordsResponse {
        items_json: items.iter().map(|v| v.to_string()).collect(),
        next_cursor: next,
    })
}

pub async fn queue_command(
    db: &DatabaseConnection,
    r: v1::QueueCommandRequest,
) -> Result<v1::QueueCommandResponse> {
    use spot_domain::group::{CommandPriority, CommandType};
    let (client, agent) = agent_ref(r.agent.as_ref())?;
    let command_type = CommandType::parse(&r.command_type)
        .ok_or_else(|| LifecycleError::invalid(format!("unknown command_type {:?}", r.command_type)))?;
    let priority = CommandPriority::ALL.into_iter().find(|p| p.value() == r.priority).ok_or_else(|| {
        LifecycleError::invalid(format!("priority {} is not a command priority", r.priority))
    })?;
    let target_mode = r
        .target_mode
        .as_deref()
        .map(spot_domain::InstanceMode::parse)
        .transpose()
        .map_err(|e| LifecycleError::invalid(e.to_string()))?;
    let deadline = spot_platform::time::from_wire_opt(&r.deadline);
    let request = ops::commands::QueueRequest {
        command_type,
        priority,
        target_mode,
        target_pool_id: r.target_pool_id.clone(),
        deadline,
        only_if_typed: r.only_if_typed,
    };
    let who = actor(&r.actor, &r.request_id, "system".to_owned());
    let queued = ops::commands::queue(db, client, agent, request, &who).await?;
    Ok(v1::QueueCommandResponse {
        queued: queued.command.is_some(),
        command: queued.command.as_ref().map(convert::command),
        reason: queued.reason,
    })
}
