//! gRPC API the gateway calls for answers an agent waits on. Handlers parse
//! the request into domain types, call the store, and map errors once.

use crate::store::agents::{self, AgentRow, NewAgent};
use sea_orm::{DatabaseConnection, TransactionTrait};
use spot_contracts::v1;
use spot_contracts::v1::lifecycle_service_server::{LifecycleService, LifecycleServiceServer};
use spot_domain::{AgentId, ClientId, InstanceMode, LogicalAgentId};
use spot_platform::store::enqueue;
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
        enabled: true,
    })
}

fn config_of(row: &AgentRow) -> v1::AgentConfig {
    v1::AgentConfig { enabled: row.enabled, role: v1::InstanceRole::Unspecified as i32, version: row.version }
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

#[tonic::async_trait]
impl LifecycleService for LifecycleGrpc {
    async fn register_agent(
        &self,
        request: Request<v1::RegisterAgentRequest>,
    ) -> Result<Response<v1::RegisterAgentResponse>, Status> {
        let req = request.into_inner();
        let agent = parse_new_agent(&req)?;
        let event = v1::AgentRegistered {
            meta: Some(crate::events::meta(
                agent.client_id.as_uuid(),
                agent.agent_id.as_uuid(),
                &req.request_id,
            )),
            logical_agent_id: agent.logical_agent_id.as_str().to_owned(),
            instance: req.instance.clone(),
            hostname: agent.hostname.clone(),
            agent_version: agent.agent_version.clone(),
            private_ip: agent.private_ip.clone(),
            public_ip: agent.public_ip.clone(),
            role: v1::InstanceRole::Unspecified as i32,
            enabled: agent.enabled,
        };
        let txn = self.db.begin().await.map_err(internal)?;
        agents::insert(&txn, &agent).await.map_err(internal)?;
        enqueue(&txn, crate::SCHEMA, &event).await.map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        tracing::info!(agent_id = %agent.agent_id, client_id = %agent.client_id, "agent registered");
        Ok(Response::new(v1::RegisterAgentResponse {
            agent_id: agent.agent_id.to_string(),
            config: Some(v1::AgentConfig { enabled: agent.enabled, role: event.role, version: 1 }),
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
            status: row.status.clone(),
            last_heartbeat_at: row
                .last_heartbeat_at
                .map(|t| spot_contracts::Timestamp::from(std::time::SystemTime::from(t))),
            instance: Some(instance_of(&row)),
            heartbeat_count: row.heartbeat_count,
        }))
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
