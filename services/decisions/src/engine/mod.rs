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

use crate::config::DecisionsConfig;
use crate::metrics::Metrics;
use models::Runners;
use sea_orm::DatabaseConnection;
use spot_contracts::v1::lifecycle_service_client::LifecycleServiceClient;
use spot_contracts::v1::pricing_service_client::PricingServiceClient;
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

/// Deadline of calls to lifecycle and pricing.
const CALL_DEADLINE: Duration = Duration::from_secs(3);

/// Everything the engine needs; cheap to clone.
#[derive(Debug, Clone)]
pub struct Engine {
    pub db: DatabaseConnection,
    pub lifecycle: LifecycleServiceClient<Channel>,
    pub pricing: PricingServiceClient<Channel>,
    pub metrics: Metrics,
    pub cfg: DecisionsConfig,
    pub runners: Runners,
    /// Width of pricing's consolidation buckets (realised savings).
    pub price_bucket: chrono::Duration,
}

/// A lazily connected channel with the standard deadline.
pub fn channel(url: &str, what: &str) -> Result<Channel, String> {
    Ok(Endpoint::from_shared(url.to_owned())
        .map_err(|e| format!("invalid {what} URL {url:?}: {e}"))?
        .connect_timeout(Duration::from_secs(2))
        .timeout(CALL_DEADLINE)
        .tcp_nodelay(true)
        .connect_lazy())
}

/// Protobuf timestamp of a UTC time.
pub fn ts(t: chrono::DateTime<chrono::Utc>) -> spot_contracts::Timestamp {
    spot_contracts::Timestamp::from(std::time::SystemTime::from(t))
}

/// UTC time of a protobuf timestamp.
pub fn from_ts(t: &Option<spot_contracts::Timestamp>) -> Option<chrono::DateTime<chrono::Utc>> {
    t.as_ref().and_then(|t| chrono::DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0)))
}
