//! Client of lifecycle's gRPC API: agent and group reads, atomic promotion,
//! command queueing. Lazily connected, with a deadline on every call
//! (`spot_platform::grpc::channel`); errors keep lifecycle's stable code.

use crate::error::{EmergencyError, Result};
use spot_contracts::v1::lifecycle_service_client::LifecycleServiceClient;
use spot_contracts::{ErrorCode, ServiceError, v1};
use spot_platform::grpc::Channel;
use std::time::Duration;
use uuid::Uuid;

const CALL_DEADLINE: Duration = Duration::from_secs(3);

/// Cheap to clone; calls share one HTTP/2 connection.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    inner: LifecycleServiceClient<Channel>,
}

/// `(client, agent)` as lifecycle names them.
pub fn agent_ref(client: Uuid, agent: Uuid) -> v1::AgentRef {
    v1::AgentRef { client_id: client.to_string(), agent_id: agent.to_string() }
}

fn map(status: tonic::Status) -> EmergencyError {
    let e = ServiceError::from(status);
    match e.code {
        // Every call names an agent first: whatever lifecycle did not find,
        // the caller sees an unknown agent.
        ErrorCode::AgentNotFound | ErrorCode::NotFound => EmergencyError::NotFound("agent"),
        _ => EmergencyError::Upstream(e),
    }
}

impl Lifecycle {
    pub fn new(url: &str) -> std::result::Result<Self, String> {
        let channel = spot_platform::grpc::channel(url, "SPOT_LIFECYCLE_GRPC_URL", CALL_DEADLINE)?;
        Ok(Self { inner: LifecycleServiceClient::new(channel) })
    }

    pub async fn agent(&self, client: Uuid, agent: Uuid) -> Result<v1::AgentRecord> {
        let req = v1::GetAgentRequest { client_id: client.to_string(), agent_id: agent.to_string() };
        self.inner.clone().get_agent(req).await.map(tonic::Response::into_inner).map_err(map)
    }

    pub async fn replicas(&self, client: Uuid, agent: Uuid) -> Result<Vec<v1::ReplicaRecord>> {
        let r = self.inner.clone().list_replicas(agent_ref(client, agent)).await.map_err(map)?;
        Ok(r.into_inner().replicas)
    }

    pub async fn settings(&self, client: Uuid, agent: Uuid) -> Result<v1::GroupSettings> {
        self.inner
            .clone()
            .get_group_settings(agent_ref(client, agent))
            .await
            .map(tonic::Response::into_inner)
            .map_err(map)
    }

    /// Lifecycle's atomic promotion (one transaction, version checked).
    pub async fn promote(
        &self,
        client: Uuid,
        agent: Uuid,
        replica_id: &str,
        request_id: &str,
    ) -> Result<v1::PromoteReplicaResponse> {
        let req = v1::PromoteReplicaRequest {
            agent: Some(agent_ref(client, agent)),
            replica_id: replica_id.to_owned(),
            expected_version: None,
            actor: "emergency".into(),
            request_id: request_id.to_owned(),
        };
        self.inner.clone().promote_replica(req).await.map(tonic::Response::into_inner).map_err(map)
    }

    pub async fn queue(&self, req: v1::QueueCommandRequest) -> Result<v1::QueueCommandResponse> {
        self.inner.clone().queue_command(req).await.map(tonic::Response::into_inner).map_err(map)
    }
}
