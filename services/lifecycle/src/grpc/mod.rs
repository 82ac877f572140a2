//! gRPC API the gateway calls for answers an agent waits on. Handlers parse
//! the request into domain types, call the store, and map errors once.

use crate::error::LifecycleError;
use crate::ops;
use crate::ops::transition::role_proto;
use crate::store::agents::{self, AgentRow, NewAgent};
use sea_orm::DatabaseConnection;
use spot_contracts::v1;
use spot_contracts::v1::lifecycle_service_server::LifecycleService;
use spot_domain::{AgentId, ClientId, InstanceMode, LogicalAgentId};
use tonic::{Request, Response, Status};

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

fn instance_of(row: &AgentRow) -> v1::InstanceInfo {
    v1::InstanceInfo {
        instance_id: row.instance_id.clone(),
        instance_type: row.instance_type.clone(),
        region: row.region.clone(),
        az: row.az.clone(),
        ami_id: row.ami_id.clone(),
        mode: mode_to_proto(&row.mode),
    }
}

impl LifecycleGrpc {
    async fn load(&self, client_id: &str, agent_id: &str) -> Result<AgentRow, LifecycleError> {
        let client = ClientId::parse(client_id).map_err(invalid)?;
        let agent = AgentId::parse(agent_id).map_err(invalid)?;
        agents::find(&self.db, client, agent).await?.ok_or(LifecycleError::NotFound("agent"))
    }
}

mod calls;
pub mod convert;
mod dashboard;
mod reports;
mod unknown;

#[tonic::async_trait]
impl LifecycleService for LifecycleGrpc {
    async fn register_agent(
        &self,
        request: Request<v1::RegisterAgentRequest>,
    ) -> Result<Response<v1::RegisterAgentResponse>, Status> {
        let req = request.into_inner();
        let agent = parse_new_agent(&req)?;
        let agent_id = agent.agent_id;
        let decided = ops::register::register(&self.db, agent, &req.request_id).await?;
        Ok(Response::new(v1::RegisterAgentResponse {
            agent_id: agent_id.to_string(),
            config: Some(v1::AgentConfig {
                enabled: decided.enabled,
                role: role_proto(decided.role),
                version: 1,
            }),
        }))
    }

    async fn get_agent_config(
        &self,
        request: Request<v1::GetAgentConfigRequest>,
    ) -> Result<Response<v1::AgentConfig>, Status> {
        let req = request.into_inner();
        let row = self.load(&req.client_id, &req.agent_id).await?;
        Ok(Response::new(config_of(&row)))
    }

    async fn get_agent(
        &self,
        request: Request<v1::GetAgentRequest>,
    ) -> Result<Response<v1::AgentRecord>, Status> {
        let req = request.into_inner();
        let row = self.load(&req.client_id, &req.agent_id).await?;
        Ok(Response::new(v1::AgentRecord {
            agent_id: row.agent_id.to_string(),
            client_id: row.client_id.to_string(),
            logical_agent_id: row.logical_agent_id.clone(),
            status: row.status.as_str().to_owned(),
            last_heartbeat_at: row.last_heartbeat_at.map(spot_platform::time::to_wire),
            instance: Some(instance_of(&row)),
            heartbeat_count: row.heartbeat_count,
            group_id: row.group_id.map(|g| g.to_string()).unwrap_or_default(),
            role: row.role.map(|r| r.as_str().to_owned()).unwrap_or_default(),
            typed_commands: row.runs_typed_commands(),
            agent_version: row.agent_version.clone(),
        }))
    }

    async fn get_pending_commands(
        &self,
        request: Request<v1::AgentRef>,
    ) -> Result<Response<v1::CommandList>, Status> {
        let req = request.into_inner();
        Ok(Response::new(calls::pending(&self.db, &req).await?))
    }

    async fn command_executed(
        &self,
        request: Request<v1::CommandExecutedRequest>,
    ) -> Result<Response<v1::CommandRecord>, Status> {
        let req = request.into_inner();
        Ok(Response::new(calls::executed(&self.db, &req).await?))
    }

    async fn report_switch(
        &self,
        request: Request<v1::SwitchReportRequest>,
    ) -> Result<Response<v1::SwitchReportResponse>, Status> {
        let req = request.into_inner();
        Ok(Response::new(calls::report_switch(&self.db, &req).await?))
    }

    async fn issue_switch_command(
        &self,
        request: Request<v1::IssueSwitchCommandRequest>,
    ) -> Result<Response<v1::IssueCommandResponse>, Status> {
        let req = request.into_inner();
        Ok(Response::new(calls::issue_switch(&self.db, &req).await?))
    }

    async fn queue_command(
        &self,
        request: Request<v1::QueueCommandRequest>,
    ) -> Result<Response<v1::QueueCommandResponse>, Status> {
        let req = request.into_inner();
        Ok(Response::new(calls::queue_command(&self.db, &req).await?))
    }

    async fn create_replica(
        &self,
        request: Request<v1::CreateReplicaRequest>,
    ) -> Result<Response<v1::ReplicaRecord>, Status> {
        let req = request.into_inner();
        Ok(Response::new(calls::create_replica(&self.db, &req).await?))
    }

    async fn list_replicas(
        &self,
        request: Request<v1::AgentRef>,
    ) -> Result<Response<v1::ReplicaList>, Status> {
        let req = request.into_inner();
        Ok(Response::new(calls::list_replicas(&self.db, &req).await?))
    }

    async fn update_replica_status(
        &self,
        request: Request<v1::UpdateReplicaStatusRequest>,
    ) -> Result<Response<v1::ReplicaRecord>, Status> {
        let req = request.into_inner();
        Ok(Response::new(calls::replica_status_update(&self.db, &req).await?))
    }

    async fn promote_replica(
        &self,
        request: Request<v1::PromoteReplicaRequest>,
    ) -> Result<Response<v1::PromoteReplicaResponse>, Status> {
        let req = request.into_inner();
        Ok(Response::new(calls::promote(&self.db, &req).await?))
    }

    async fn get_replica_config(
        &self,
        request: Request<v1::AgentRef>,
    ) -> Result<Response<v1::ReplicaConfig>, Status> {
        let req = request.into_inner();
        Ok(Response::new(calls::replica_config(&self.db, &req).await?))
    }

    async fn get_group_settings(
        &self,
        request: Request<v1::AgentRef>,
    ) -> Result<Response<v1::GroupSettings>, Status> {
        let req = request.into_inner();
        Ok(Response::new(calls::get_settings(&self.db, &req).await?))
    }

    async fn list_records(
        &self,
        request: Request<v1::ListRecordsRequest>,
    ) -> Result<Response<v1::ListRecordsResponse>, Status> {
        let req = request.into_inner();
        Ok(Response::new(calls::list_records(&self.db, &req).await?))
    }

    async fn update_group_settings(
        &self,
        request: Request<v1::UpdateGroupSettingsRequest>,
    ) -> Result<Response<v1::GroupSettings>, Status> {
        let req = request.into_inner();
        Ok(Response::new(calls::update_settings(&self.db, &req).await?))
    }

    // The operators' dashboard (grpc/dashboard.rs).

    async fn list_agent_overviews(
        &self,
        request: Request<v1::AgentOverviewRequest>,
    ) -> Result<Response<v1::AgentOverviewList>, Status> {
        Ok(Response::new(dashboard::agents(&self.db, request.get_ref()).await?))
    }

    async fn set_agent_enabled(
        &self,
        request: Request<v1::SetAgentEnabledRequest>,
    ) -> Result<Response<v1::SetAgentEnabledResponse>, Status> {
        Ok(Response::new(dashboard::set_enabled(&self.db, request.get_ref()).await?))
    }

    async fn set_replica_count(
        &self,
        request: Request<v1::SetReplicaCountRequest>,
    ) -> Result<Response<v1::SetReplicaCountResponse>, Status> {
        Ok(Response::new(dashboard::set_replica_count(&self.db, request.get_ref()).await?))
    }

    async fn request_manual_replica(
        &self,
        request: Request<v1::ManualReplicaRequest>,
    ) -> Result<Response<v1::ReplicaRecord>, Status> {
        Ok(Response::new(dashboard::manual_replica(&self.db, request.get_ref()).await?))
    }

    async fn list_instance_overviews(
        &self,
        request: Request<v1::InstanceOverviewRequest>,
    ) -> Result<Response<v1::InstanceOverviewList>, Status> {
        Ok(Response::new(dashboard::instances(&self.db, request.get_ref()).await?))
    }

    async fn list_switch_overviews(
        &self,
        request: Request<v1::SwitchOverviewRequest>,
    ) -> Result<Response<v1::SwitchOverviewList>, Status> {
        Ok(Response::new(dashboard::switches(&self.db, request.get_ref()).await?))
    }

    async fn list_tenant_replicas(
        &self,
        request: Request<v1::TenantReplicasRequest>,
    ) -> Result<Response<v1::TenantReplicaList>, Status> {
        Ok(Response::new(dashboard::replicas(&self.db, request.get_ref()).await?))
    }

    async fn operator_report(
        &self,
        request: Request<v1::OperatorReportRequest>,
    ) -> Result<Response<v1::OperatorReportResponse>, Status> {
        Ok(Response::new(reports::operator_report(&self.db, request.get_ref()).await?))
    }

    async fn delete_agent(
        &self,
        request: Request<v1::DeleteAgentRequest>,
    ) -> Result<Response<v1::DeleteAgentResponse>, Status> {
        let r = request.into_inner();
        let (client, agent) = convert::agent_ref(r.agent.as_ref())?;
        let actor = ops::Actor { name: r.actor, request_id: r.request_id };
        let done = ops::delete::delete_agent(&self.db, client, agent, &actor).await?;
        Ok(Response::new(v1::DeleteAgentResponse {
            released_instances: done.released,
            cleanup_queued: done.cleanup_queued,
            changed: done.changed,
        }))
    }

    async fn list_unknown_instances(
        &self,
        request: Request<v1::UnknownInstancesRequest>,
    ) -> Result<Response<v1::UnknownInstanceList>, Status> {
        Ok(Response::new(unknown::list(&self.db, request.get_ref()).await?))
    }
}
