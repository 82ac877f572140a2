//! The decision engine: building inputs, asking the model of the group's
//! arm, validating its answer (falling back to the built-in policy),
//! running the guardrails, logging the decision and turning an accepted
//! SWITCH into a lifecycle command. docs/DECISIONS.md describes the flow.

pub mod act;
pub mod evaluate;
pub mod input;
pub mod models;
pub mod onnx;
pub mod outcomes;
pub mod round;

use crate::metrics::Metrics;
use crate::settings::DecisionsSettings;
use models::Runners;
use sea_orm::DatabaseConnection;
use spot_contracts::v1::lifecycle_service_client::LifecycleServiceClient;
use spot_contracts::v1::pricing_service_client::PricingServiceClient;
use spot_platform::grpc::Channel;
use std::time::Duration;

/// Deadline of calls to lifecycle and pricing.
pub const CALL_DEADLINE: Duration = Duration::from_secs(3);

/// Everything the engine needs; cheap to clone.
#[derive(Debug, Clone)]
pub struct Engine {
    pub db: DatabaseConnection,
    pub lifecycle: LifecycleServiceClient<Channel>,
    pub pricing: PricingServiceClient<Channel>,
    pub metrics: Metrics,
    pub cfg: DecisionsSettings,
    pub runners: Runners,
    /// Width of pricing's consolidation buckets (realised savings).
    pub price_bucket: chrono::Duration,
}

impl Engine {
    /// The engine over `db` with lazily connected lifecycle and pricing clients.
    pub fn new(db: DatabaseConnection, cfg: DecisionsSettings, metrics: Metrics) -> Result<Self, String> {
        use spot_platform::grpc::channel;
        let lifecycle = channel(&cfg.lifecycle_grpc_url, "SPOT_LIFECYCLE_GRPC_URL", CALL_DEADLINE)?;
        let pricing = channel(&cfg.pricing_grpc_url, "SPOT_PRICING_GRPC_URL", CALL_DEADLINE)?;
        Ok(Self {
            db,
            lifecycle: LifecycleServiceClient::new(lifecycle),
            pricing: PricingServiceClient::new(pricing),
            metrics,
            price_bucket: chrono::Duration::from_std(cfg.price_bucket)
                .unwrap_or(chrono::Duration::minutes(5)),
            cfg,
            runners: Runners::default(),
        })
    }
}
