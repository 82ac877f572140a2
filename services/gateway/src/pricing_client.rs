//! Client of the pricing service's gRPC API (lazy connection, deadlines).

use crate::upstream::grpc_client;
use spot_contracts::v1;
use spot_contracts::v1::pricing_service_client::PricingServiceClient;
use spot_platform::grpc::Channel;
use std::time::Duration;

grpc_client! {
    /// Pricing's API. Consolidation can take a minute, so the deadline
    /// (120 s) is longer than for agent calls.
    PricingClient: PricingServiceClient<Channel>, "SPOT_PRICING_GRPC_URL", Duration::from_secs(120);
    "pricing";
    pool_risk => get_pool_risk(v1::GetPoolRiskRequest, v1::PoolRiskList),
    price_history => get_price_history(v1::PriceHistoryRequest, v1::PriceHistory),
    savings => get_savings(v1::SavingsRequest, v1::SavingsReport),
    jobs => list_consolidation_jobs(v1::ListJobsRequest, v1::JobList),
    consolidate => run_consolidation(v1::RunConsolidationRequest, v1::JobRecord),
    current_prices => get_current_prices(v1::CurrentPricesRequest, v1::CurrentPrices),
    replica_costs => list_replica_costs(v1::ReplicaCostsRequest, v1::ReplicaCostList),
}
