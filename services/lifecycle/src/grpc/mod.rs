//! gRPC API the gateway calls for answers an agent waits on. Handlers parse
//! the request into domain types, call the store, and map errors once.

use crate::ops;
use crate::ops::transition::role_proto;
use crate::store::agents::{self, AgentRow, NewAgent};
use sea_orm::DatabaseConnection;
use spot_contracts::v1;
use spot_contracts::v1::lifecycle_service_server::{LifecycleService, LifecycleServiceServer};
use spot_domain::{AgentId, ClientId, InstanceMode, LogicalAgentId};
use spot_platform::{ServiceContext, StartError};
use tonic::{Request, Response, Status};

/// The service implementation.
#[derive(Debug, Clone)]
pub struct LifecycleGrpc {
    db: DatabaseConnection,
}

fn invalid(e: impl std::fmt::Display) -> Status {
    Status::invalid_argument(e.to_string())
}

fn internal(e: impl std::fmt::Display) -> Status {
    tracing::error!(error = %e, "lifecycle gRPC internal error");
    Status::internal("internal error")
}

fn mode_from_proto(mode: i32) -> Result<InstanceMode, Status> {
    match v1::InstanceMode::try_from(mode) {
        Ok(v1::InstanceMode::Spot) => Ok(InstanceMode::Spot),
        Ok(v1::InstanceMode::OnDemand) => Ok(InstanceMode::OnDemand),
        _ => Err(Status::invalid_argument("instance mode must be spot or ondemand")),
    }
}

fn mode_to_proto(mode: &str) -> i32 {
    match InstanceMode::parse(mode) {
        Ok(InstanceMode::Spot) => v1::InstanceMode::Spot as i32,
        Ok(InstanceMode::OnDemand) => v1::InstanceMode::OnDemand as i32,
        Err(_) => v1::InstanceMode::Unspecified as i32,
    }
}

fn parse_new_agent(req: &v1::RegisterAgentRequest) -> Result<NewAgent, Status> {
    let instance = req.instance.as_ref().ok_or_else(|| Status::invalid_argument("instance is required"))?;
    if instance.instance_id.trim().is_empty() {
        return Err(Status::invalid_argument("instance.instance_id is required"));
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
    async fn load(&self, client_id: &str, agent_id: &str) -> Result<AgentRow, Status> {
        let client = ClientId::parse(client_id).map_err(invalid)?;
        let agent = AgentId::parse(agent_id).map_err(invalid)?;
        agents::find(&self.db, client, agent)
            .await
            .map_err(internal)?
            .ok_or_else(|| Status::not_found("agent not found"))
    }
}

mod calls;
pub mod convert;

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
            last_heartbeat_at: row
                .last_heartbeat_at
                .map(|t| spot_contracts::Timestamp::from(std::time::SystemTime::from(t))),
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
}

/// A running gRPC server.
#[derive(Debug)]
pub struct GrpcServer {
    pub addr: std::net::SocketAddr,
    pub task: tokio::task::JoinHandle<()>,
}

/// Binds `addr` and serves until shutdown (in-flight calls finish).
pub fn serve(ctx: &ServiceContext, addr: std::net::SocketAddr) -> Result<GrpcServer, StartError> {
    let incoming = tonic::transport::server::TcpIncoming::bind(addr)?;
    let addr = incoming.local_addr()?;
    let service = LifecycleServiceServer::new(LifecycleGrpc { db: ctx.db.clone() });
    let shutdown = ctx.shutdown.clone();
    let task = tokio::spawn(async move {
        let result = tonic::transport::Server::builder()
            .add_service(service)
            .serve_with_incoming_shutdown(incoming, async move { shutdown.wait().await })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "lifecycle gRPC server failed");
        }
    });
    Ok(GrpcServer { addr, task })
}
