//! Client of the pricing service's gRPC API (lazy connection, deadlines).

use crate::error::ApiError;
use spot_contracts::v1;
use spot_contracts::v1::pricing_service_client::PricingServiceClient;
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

/// Cheap to clone.
#[derive(Debug, Clone)]
pub struct PricingClient {
    inner: PricingServiceClient<Channel>,
}

fn map_status(status: tonic::Status) -> ApiError {
    match status.code() {
        tonic::Code::InvalidArgument => ApiError::InvalidField(status.message().to_owned()),
        tonic::Code::NotFound => ApiError::NotFound(status.message().to_owned()),
        tonic::Code::Unavailable | tonic::Code::DeadlineExceeded | tonic::Code::Cancelled => {
            ApiError::DependencyUnavailable("pricing")
        }
        _ => ApiError::Internal(format!("pricing: {status}")),
    }
}

macro_rules! rpc {
    ($name:ident, $method:ident, $req:ty, $resp:ty) => {
        pub async fn $name(&self, req: $req) -> Result<$resp, ApiError> {
            self.inner.clone().$method(req).await.map(tonic::Response::into_inner).map_err(map_status)
        }
    };
}

impl PricingClient {
    /// A lazily connected client; consolidation can take a minute, so the
    /// deadline is longer than for agent calls.
    pub fn new(url: &str) -> Result<Self, String> {
        let endpoint = Endpoint::from_shared(url.to_owned())
            .map_err(|e| format!("invalid SPOT_PRICING_GRPC_URL {url:?}: {e}"))?
            .connect_timeout(Duration::from_secs(2))
            .timeout(Duration::from_secs(120));
        Ok(Self { inner: PricingServiceClient::new(endpoint.connect_lazy()) })
    }

    rpc!(pool_risk, get_pool_risk, v1::GetPoolRiskRequest, v1::PoolRiskList);
    rpc!(price_history, get_price_history, v1::PriceHistoryRequest, v1::PriceHistory);
    rpc!(savings, get_savings, v1::SavingsRequest, v1::SavingsReport);
    rpc!(jobs, list_consolidation_jobs, v1::ListJobsRequest, v1::JobList);
    rpc!(consolidate, run_consolidation, v1::RunConsolidationRequest, v1::JobRecord);
    rpc!(current_prices, get_current_prices, v1::CurrentPricesRequest, v1::CurrentPrices);
}
