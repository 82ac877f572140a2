//! Client of lifecycle's gRPC API, with a deadline on every call and a lazy
//! connection (the gateway starts even when lifecycle is not up yet).

use crate::error::ApiError;
use spot_contracts::v1;
use spot_contracts::v1::lifecycle_service_client::LifecycleServiceClient;
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

/// Deadline of synchronous calls: well inside the agent's 30 s patience.
pub const CALL_DEADLINE: Duration = Duration::from_secs(3);

/// Cheap to clone; calls share one HTTP/2 connection.
#[derive(Debug, Clone)]
pub struct LifecycleClient {
    inner: LifecycleServiceClient<Channel>,
}

fn map_status(status: tonic::Status) -> ApiError {
    match status.code() {
        tonic::Code::InvalidArgument => ApiError::InvalidField(status.message().to_owned()),
        tonic::Code::NotFound => ApiError::AgentNotFound,
        tonic::Code::Unavailable | tonic::Code::DeadlineExceeded | tonic::Code::Cancelled => {
            ApiError::DependencyUnavailable("lifecycle")
        }
        _ => ApiError::Internal(format!("lifecycle: {status}")),
    }
}

impl LifecycleClient {
    /// Prepares a lazily connected client for `url` (e.g. `http://127.0.0.1:50051`).
    pub fn new(url: &str) -> Result<Self, String> {
        let endpoint = Endpoint::from_shared(url.to_owned())
            .map_err(|e| format!("invalid SPOT_LIFECYCLE_GRPC_URL {url:?}: {e}"))?
            .connect_timeout(Duration::from_secs(2))
            .timeout(CALL_DEADLINE)
            .tcp_nodelay(true);
        Ok(Self { inner: LifecycleServiceClient::new(endpoint.connect_lazy()) })
    }

    /// Registers an agent.
    pub async fn register(
        &self,
        req: v1::RegisterAgentRequest,
    ) -> Result<v1::RegisterAgentResponse, ApiError> {
        self.inner.clone().register_agent(req).await.map(tonic::Response::into_inner).map_err(map_status)
    }

    /// Current config of an agent.
    pub async fn config(&self, req: v1::GetAgentConfigRequest) -> Result<v1::AgentConfig, ApiError> {
        self.inner.clone().get_agent_config(req).await.map(tonic::Response::into_inner).map_err(map_status)
    }

    /// An agent's lifecycle record.
    pub async fn agent(&self, req: v1::GetAgentRequest) -> Result<v1::AgentRecord, ApiError> {
        self.inner.clone().get_agent(req).await.map(tonic::Response::into_inner).map_err(map_status)
    }
}
