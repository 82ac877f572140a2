//! What the emergency service does: termination notices, rebalance
//! recommendations, automatic promotion of ready replicas, the deadline
//! sweep and its fallback chain. The rules themselves are pure code in
//! `spot_domain::emergency`; this layer reads, decides and records.

pub mod deadline;
pub mod events;
pub mod group;
pub mod promotion;
pub mod rebalance;
pub mod status;
pub mod termination;

use crate::error::{EmergencyError, Result};
use crate::lifecycle::Lifecycle;
use crate::store::boot;
use chrono::{DateTime, Utc};
use prometheus::{HistogramVec, IntCounterVec};
use sea_orm::DatabaseConnection;
use spot_contracts::v1;
use spot_domain::emergency::BootStats;
use std::time::Duration;
use uuid::Uuid;

/// Counters an operator alerts on.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Notices by kind and outcome (promoted, create_replica, failed, ...).
    pub notices: IntCounterVec,
    /// Seconds from a notice's arrival to its decision / promotion.
    pub latency: HistogramVec,
    /// Calls made to lifecycle, by call (a repeated notice makes none).
    pub lifecycle_calls: IntCounterVec,
}

impl Metrics {
    pub fn new(registry: &prometheus::Registry) -> std::result::Result<Self, prometheus::Error> {
        let notices = IntCounterVec::new(
            prometheus::Opts::new(
                "emergency_notices_total",
                "notices by kind and outcome; alert on outcome=failed",
            ),
            &["kind", "outcome"],
        )?;
        let latency = HistogramVec::new(
            prometheus::HistogramOpts::new(
                "emergency_latency_seconds",
                "notice arrival to decision / promotion",
            )
            .buckets(vec![0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 15.0, 30.0, 60.0, 120.0]),
            &["step"],
        )?;
        let lifecycle_calls = IntCounterVec::new(
            prometheus::Opts::new("emergency_lifecycle_calls_total", "gRPC calls made to lifecycle, by call"),
            &["call"],
        )?;
        registry.register(Box::new(notices.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(lifecycle_calls.clone()))?;
        Ok(Self { notices, latency, lifecycle_calls })
    }
}

/// Everything an emergency operation needs.
#[derive(Debug, Clone)]
pub struct Emergency {
    pub db: DatabaseConnection,
    pub lifecycle: Lifecycle,
    pub metrics: Metrics,
    /// Deadline of a termination notice without a termination time.
    pub default_deadline: Duration,
}

/// `<type>.<az>` of an agent's instance.
pub fn pool_of(agent: &v1::AgentRecord) -> Option<String> {
    let i = agent.instance.as_ref()?;
    (!i.instance_type.is_empty() && !i.az.is_empty()).then(|| format!("{}.{}", i.instance_type, i.az))
}

/// Instance type of a pool id.
pub fn type_of(pool: &str) -> &str {
    pool.rsplit_once('.').map_or(pool, |(t, _)| t)
}

pub fn uuid(raw: &str, what: &'static str) -> Result<Uuid> {
    EmergencyError::known_id(raw, what)
}

pub use spot_platform::time::{from_wire_opt as from_ts, to_wire as ts};

impl Emergency {
    /// Boot statistics and risk of the pools of `pool`'s instance type.
    pub async fn stats(&self, pool: &str) -> Result<Vec<BootStats>> {
        Ok(boot::stats(&self.db, type_of(pool)).await?)
    }

    /// Counts one call to lifecycle.
    pub fn rpc(&self, call: &str) {
        self.metrics.lifecycle_calls.with_label_values(&[call]).inc();
    }

    pub fn observe(&self, step: &str, since: DateTime<Utc>) {
        let secs = (Utc::now() - since).num_microseconds().unwrap_or(0) as f64 / 1e6;
        self.metrics.latency.with_label_values(&[step]).observe(secs.max(0.0));
    }
}
