//! gRPC API the gateway calls for answers an agent waits on. Handlers parse
//! the request into domain types, call the store, and map errors once.

use crate::error::LifecycleError;
use crate::ops;
use crate::ops::transition::role_proto;
use crate::store::agents::{AgentRow, InstanceColumns, NewAgent};
use sea_orm::DatabaseConnection;
use spot_contracts::v1;
use spot_contracts::v1::lifecycle_service_server::LifecycleService;
use spot_domain::{AgentId, ClientId, InstanceMode, LogicalAgentId};

/// The service implementation.
#[derive(Debug, Clone)]
pub struct LifecycleGrpc {
    db: DatabaseConnection,
}

impl LifecycleGrpc {
    /// The API over the service's database.
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn invalid(e: impl std::fmt::Display) -> LifecycleError {
    LifecycleError::invalid(e.to_string())
}

fn mode_from_proto(mode: i32) -> Result<InstanceMode, LifecycleError> {
    match v1::InstanceMode::try_from(mode) {
        Ok(v1::InstanceMode::Spot) => Ok(InstanceMode::Spot),
        Ok(v1::InstanceMode::OnDemand) => Ok(InstanceMode::OnDemand),
        _ => Err(invalid("instance mode must be spot or ondemand")),
    }
}

/// The wire mode of a stored spelling (an unknown one is unspecified).
fn mode_to_proto(mode: &str) -> i32 {
    match InstanceMode::parse(mode) {
        Ok(InstanceMode::Spot) => v1::InstanceMode::Spot as i32,
        Ok(InstanceMode::OnDemand) => v1::InstanceMode::OnDemand as i32,
        Err(_) => v1::InstanceMode::Unspecified as i32,
    }
}

fn parse_new_agent(req: &v1::RegisterAgentRequest) -> Result<NewAgent, LifecycleError> {
    let instance = req.instance.as_ref().ok_or_else(|| invalid("instance is required"))?;
    if instance.instance_id.trim().is_empty() {
        return Err(invalid("instance.instance_id is required"));
    }
    Ok(NewAgent {
        agent_id: AgentId::new_v7(),
        client_id: ClientId::parse(&req.client_id).map_err(invalid)?,
        logical_agent_id: LogicalAgentId::parse(&req.logical_agent_id).map_err(invalid)?,
        instance_id: instance.instance_id.trim().to_owned(),
        instance_type: instance.instance_type.clone(),
        region: instance.region.clone(),
        az: instance.az.clone(),
        ami_id: instance.ami_id.clone(),
        mode: mode_from_proto(instance.mode)?,
        hostname: req.hostname.clone(),
        agent_version: req.agent_version.clone(),
        private_ip: req.private_ip.clone(),
        public_ip: req.public_ip.clone(),
        enabled: false,
        group_id: None,
        capabilities: req
            .capabilities
            .iter()
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty())
            .take(32)
            .collect(),
    })
}

fn config_of(row: &AgentRow) -> v1::AgentConfig {
    let role = row.role.map(role_proto).unwrap_or(v1::InstanceRole::Unspecified as i32);
    v1::AgentConfig { enabled: row.enabled(), role, version: row.version }
}

/// The instance of an agent, as the wire carries it.
fn instance_of(i: &InstanceColumns) -> v1::InstanceInfo {
    v1::InstanceInfo {
        instance_id: i.instance_id.clone(),
        instance_type: i.instance_type.clone(),
        region: i.region.clone(),
        az: i.az.clone(),
        ami_id: i.ami_id.clone(),
        mode: mode_to_proto(&i.mode),
    }
}

async fn load(db: &DatabaseConnection, client_id: &str, agent_id: &str) -> Result<AgentRow, LifecycleError> {
    let client = ClientId::parse(client_id).map_err(invalid)?;
    let agent = AgentId::parse(agent_id).map_err(invalid)?;
    crate::ops::commands::agent_of(db, client, agent).await
}

async fn register_agent(
    db: &DatabaseConnection,
    req: v1::RegisterAgentRequest,
) -> Result<v1::RegisterAgentResponse, LifecycleError> {
    let agent = parse_new_agent(&req)?;
    let agent_id = agent.agent_id;
    let decided = ops::register::register(db, agent, &req.request_id).await?;
    Ok(v1::RegisterAgentResponse {
        agent_id: agent_id.to_string(),
        config: Some(v1::AgentConfig {
            enabled: decided.enabled,
            role: role_proto(decided.role),
            version: 1,
        }),
    })
}

async fn agent_config(
    db: &DatabaseConnection,
    req: v1::GetAgentConfigRequest,
) -> Result<v1::AgentConfig, LifecycleError> {
    Ok(config_of(&load(db, &req.client_id, &req.agent_id).await?))
}

async fn agent_record(
    db: &DatabaseConnection,
    req: v1::GetAgentRequest,
) -> Result<v1::AgentRecord, LifecycleError> {
    let row = load(db, &req.client_id, &req.agent_id).await?;
    Ok(v1::AgentRecord {
        agent_id: row.agent_id.to_string(),
        client_id: row.client_id.to_string(),
        logical_agent_id: row.logical_agent_id.clone(),
        status: row.status.as_str().to_owned(),
        last_heartbeat_at: row.last_heartbeat_at.map(spot_platform::time::to_wire),
        instance: Some(instance_of(&row.instance)),
        heartbeat_count: row.heartbeat_count,
        group_id: row.group_id.map(|g| g.to_string()).unwrap_or_default(),
        role: row.role.map(|r| r.as_str().to_owned()).unwrap_or_default(),
        typed_commands: row.runs_typed_commands(),
        agent_version: row.agent_version.clone(),
    })
}

async fn delete_agent(
    db: &DatabaseConnection,
    r: v1::DeleteAgentRequest,
) -> Result<v1::DeleteAgentResponse, LifecycleError> {
    let (client, agent) = convert::agent_ref(r.agent.as_ref())?;
    let actor = ops::Actor { name: r.actor, request_id: r.request_id };
    let done = ops::delete::delete_agent(db, client, agent, &actor).await?;
    Ok(v1::DeleteAgentResponse {
        released_instances: done.released,
        cleanup_queued: done.cleanup_queued,
        changed: done.changed,
    })
}

mod calls;
pub mod convert;
mod dashboard;
mod reports;
mod unknown;

spot_platform::grpc_service! {
    impl LifecycleService for LifecycleGrpc, |api| &api.db;
    register_agent(v1::RegisterAgentRequest) -> v1::RegisterAgentResponse = register_agent;
    get_agent_config(v1::GetAgentConfigRequest) -> v1::AgentConfig = agent_config;
    get_agent(v1::GetAgentRequest) -> v1::AgentRecord = agent_record;
    get_pending_commands(v1::AgentRef) -> v1::CommandList = calls::pending;
    command_executed(v1::CommandExecutedRequest) -> v1::CommandRecord = calls::executed;
    report_switch(v1::SwitchReportRequest) -> v1::SwitchReportResponse = calls::report_switch;
    issue_switch_command(v1::IssueSwitchCommandRequest) -> v1::IssueCommandResponse = calls::issue_switch;
    queue_command(v1::QueueCommandRequest) -> v1::QueueCommandResponse = calls::queue_command;
    create_replica(v1::CreateReplicaRequest) -> v1::ReplicaRecord = calls::create_replica;
    list_replicas(v1::AgentRef) -> v1::ReplicaList = calls::list_replicas;
    update_replica_status(v1::UpdateReplicaStatusRequest) -> v1::ReplicaRecord = calls::replica_status_update;
    promote_replica(v1::PromoteReplicaRequest) -> v1::PromoteReplicaResponse = calls::promote;
    get_replica_config(v1::AgentRef) -> v1::ReplicaConfig = calls::replica_config;
    get_group_settings(v1::AgentRef) -> v1::GroupSettings = calls::get_settings;
    list_records(v1::ListRecordsRequest) -> v1::ListRecordsResponse = calls::list_records;
    update_group_settings(v1::UpdateGroupSettingsRequest) -> v1::GroupSettings = calls::update_settings;
    // The operators' dashboard (grpc/dashboard.rs).
    list_agent_overviews(v1::AgentOverviewRequest) -> v1::AgentOverviewList = dashboard::agents;
    set_agent_enabled(v1::SetAgentEnabledRequest) -> v1::SetAgentEnabledResponse = dashboard::set_enabled;
    set_replica_count(v1::SetReplicaCountRequest) -> v1::SetReplicaCountResponse = dashboard::set_replica_count;
    request_manual_replica(v1::ManualReplicaRequest) -> v1::ReplicaRecord = dashboard::manual_replica;
    list_instance_overviews(v1::InstanceOverviewRequest) -> v1::InstanceOverviewList = dashboard::instances;
    list_switch_overviews(v1::SwitchOverviewRequest) -> v1::SwitchOverviewList = dashboard::switches;
    list_tenant_replicas(v1::TenantReplicasRequest) -> v1::TenantReplicaList = dashboard::replicas;
    operator_report(v1::OperatorReportRequest) -> v1::OperatorReportResponse = reports::operator_report;
    delete_agent(v1::DeleteAgentRequest) -> v1::DeleteAgentResponse = delete_agent;
    list_unknown_instances(v1::UnknownInstancesRequest) -> v1::UnknownInstanceList = unknown::list;
}
