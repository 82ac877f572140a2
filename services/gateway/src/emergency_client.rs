//! Client of the emergency service's gRPC API. Its deadline is short: an
//! agent with a 2-minute notice must get its answer at once.

use crate::error::ApiError;
use crate::lifecycle_client::map_grpc_status;
use spot_contracts::v1;
use spot_contracts::v1::emergency_service_client::EmergencyServiceClient;
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

/// Cheap to clone; calls share one HTTP/2 connection.
#[derive(Debug, Clone)]
pub struct EmergencyClient {
    inner: EmergencyServiceClient<Channel>,
}

macro_rules! rpc {
    ($name:ident, $method:ident, $req:ty, $resp:ty) => {
        pub async fn $name(&self, req: $req) -> Result<$resp, ApiError> {
            self.inner
                .clone()
                .$method(req)
                .await
                .map(tonic::Response::into_inner)
                .map_err(|s| map_grpc_status("emergency", s))
        }
    };
}

impl EmergencyClient {
    pub fn new(url: &str) -> Result<Self, String> {
        let endpoint = Endpoint::from_shared(url.to_owned())
            .map_err(|e| format!("invalid SPOT_EMERGENCY_GRPC_URL {url:?}: {e}"))?
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(5))
            .tcp_nodelay(true);
        Ok(Self { inner: EmergencyServiceClient::new(endpoint.connect_lazy()) })
    }

    rpc!(termination, termination_notice, v1::TerminationNoticeRequest, v1::NoticeAnswer);
    rpc!(rebalance, rebalance_notice, v1::RebalanceNoticeRequest, v1::NoticeAnswer);
    rpc!(status, emergency_status, v1::AgentRef, v1::EmergencyStatusRecord);
    rpc!(policy, get_policy, v1::AgentRef, v1::PolicyRecord);
    rpc!(set_policy, set_policy, v1::SetPolicyRequest, v1::PolicyRecord);
}
