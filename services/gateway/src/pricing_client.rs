//! Client of the pricing service's gRPC API (lazy connection, deadlines).

use crate::upstream::{client, rpc};
use spot_contracts::v1;
use spot_contracts::v1::pricing_service_client::PricingServiceClient;
use spot_platform::grpc::Channel;
use std::time::Duration;

/// Consolidation can take a minute, so the deadline is longer than for
/// agent calls.
pub const CALL_DEADLINE: Duration = Duration::from_secs(120);

client!(
    /// Pricing's API.
    PricingClient,
    PricingServiceClient<Channel>,
    "SPOT_PRICING_GRPC_URL",
    CALL_DEADLINE
);

impl PricingClient {
    rpc!("pricing": pool_risk, get_pool_risk, v1::GetPoolRiskRequest, v1::PoolRiskList);
    rpc!("pricing": price_history, get_price_history, v1::PriceHistoryRequest, v1::PriceHistory);
    rpc!("pricing": savings, get_savings, v1::SavingsRequest, v1::SavingsReport);
    rpc!("pricing": jobs, list_consolidation_jobs, v1::ListJobsRequest, v1::JobList);
    rpc!("pricing": consolidate, run_consolidation, v1::RunConsolidationRequest, v1::JobRecord);
    rpc!("pricing": current_prices, get_current_prices, v1::CurrentPricesRequest, v1::CurrentPrices);
    rpc!("pricing": replica_costs, list_replica_costs, v1::ReplicaCostsRequest, v1::ReplicaCostList);
}
