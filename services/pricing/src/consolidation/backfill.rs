//! Backfill source: the cloud's spot price history for a pool, or nothing
//! when no cloud is configured (the run then says "skipped").

use chrono::{DateTime, Duration, Utc};
use spot_cloud::{AwsSettings, SpotPriceHistory};
use spot_domain::pricing::{HistoryPoint, PoolId};

/// How far back a backfill looks (the price in force at the window start
/// may have been set days earlier).
pub const LOOKBACK: Duration = Duration::days(7);

/// Where history comes from.
#[derive(Debug, Clone)]
pub enum Backfill {
    /// No cloud configured.
    Off,
    /// AWS EC2 DescribeSpotPriceHistory.
    Aws(SpotPriceHistory),
}

impl Backfill {
    /// From settings: `SPOT_BACKFILL=aws` enables it.
    pub fn from_settings(s: &crate::settings::PricingSettings) -> Self {
        if s.backfill != "aws" {
            return Self::Off;
        }
        Self::Aws(SpotPriceHistory::new(AwsSettings {
            endpoint: s.aws_endpoint.clone(),
            access_key_id: s.aws_access_key_id.clone(),
            secret_access_key: s.aws_secret_access_key.as_ref().map(|k| k.expose().to_owned()),
            product_description: None,
        }))
    }

    /// Label for the job row.
    pub fn describe(&self) -> &'static str {
        match self {
            Self::Off => "skipped: no cloud configured (SPOT_BACKFILL=aws enables it)",
            Self::Aws(_) => "aws",
        }
    }

    /// Price history of `pool` from `start - LOOKBACK` to `end`.
    pub async fn history(
        &self,
        pool: &PoolId,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<HistoryPoint>, String> {
        match self {
            Self::Off => Ok(Vec::new()),
            Self::Aws(client) => client
                .fetch(pool.region(), pool.instance_type(), pool.az(), start - LOOKBACK, end)
                .await
                .map(|changes| {
                    changes.into_iter().map(|c| HistoryPoint { at: c.at, price: c.price }).collect()
                })
                .map_err(|e| e.to_string()),
        }
    }
}
