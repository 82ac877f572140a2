//! What a model is asked about one group: price windows per candidate pool
//! (with each point's provenance), the current placement and its features,
//! the group's settings (including its availability target) and recent
//! history. Versioned by [`INPUT_SCHEMA_VERSION`] and validated before any
//! model sees it, so a model never has to defend against NaN or disorder.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Version of the input schema; bumped on any incompatible change.
pub const INPUT_SCHEMA_VERSION: u32 = 1;

/// Where a consolidated price point came from (docs/PRICING.md): the
/// consolidation's own provenance, under the name the model schema gives it.
pub use crate::pricing::Source as PointSource;

/// One consolidated price bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PricePoint {
    pub at: DateTime<Utc>,
    pub price: f64,
    pub source: PointSource,
}

/// Pricing's risk class of a pool; `Unknown` until it was assessed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Safe,
    Caution,
    Avoid,
    Unknown,
}

impl RiskLevel {
    pub fn parse(raw: &str) -> Self {
        match raw {
            "safe" => Self::Safe,
            "caution" => Self::Caution,
            "avoid" => Self::Avoid,
            _ => Self::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Safe => "safe",
            Self::Caution => "caution",
            Self::Avoid => "avoid",
            Self::Unknown => "unknown",
        }
    }
}

/// A pool the group could run in (same instance type, any AZ of its region).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolWindow {
    /// `<instance_type>.<az>`.
    pub pool_id: String,
    pub risk: RiskLevel,
    /// Pricing's score in [0, 1], when assessed.
    pub risk_score: Option<f64>,
    /// Termination notices seen in this pool in 30 days.
    pub interruptions_30d: u32,
    /// Up to 7 days of consolidated points, oldest first.
    pub points: Vec<PricePoint>,
}

impl PoolWindow {
    /// The price the pool stands at: the newest point.
    pub fn latest_price(&self) -> Option<f64> {
        self.points.last().map(|p| p.price)
    }

    /// Share of the points agents reported (1.0 for an empty window is
    /// avoided: empty windows have no quality).
    pub fn agent_share(&self) -> f64 {
        if self.points.is_empty() {
            return 0.0;
        }
        let agent = self.points.iter().filter(|p| p.source == PointSource::Agent).count();
        agent as f64 / self.points.len() as f64
    }

    /// Mean price of the points newer than `since` (the latest price when
    /// none is that new).
    pub fn mean_since(&self, since: DateTime<Utc>) -> Option<f64> {
        let recent: Vec<f64> = self.points.iter().filter(|p| p.at >= since).map(|p| p.price).collect();
        if recent.is_empty() {
            return self.latest_price();
        }
        Some(recent.iter().sum::<f64>() / recent.len() as f64)
    }
}

/// Features of the group's PRIMARY instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceFeatures {
    /// Always `PRIMARY` today; kept for models that score replicas.
    pub role: String,
    pub instance_type: String,
    pub region: String,
    pub az: String,
    /// `spot` or `ondemand`.
    pub mode: String,
    /// Pool of a spot instance; `None` on on-demand.
    pub pool_id: Option<String>,
    pub uptime_hours: f64,
    pub hours_in_pool: f64,
    /// Current hourly price minus on-demand (negative when saving).
    pub cost_delta_per_hour: f64,
}

impl InstanceFeatures {
    pub fn on_demand(&self) -> bool {
        self.mode == "ondemand"
    }
}

/// The group settings a policy and the guardrails read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionSettings {
    pub auto_switch: bool,
    pub manual_replica: bool,
    pub auto_terminate: bool,
    pub min_savings_percent: f64,
    pub max_switches_per_week: i32,
    pub min_pool_duration_hours: i32,
    /// Share of time the group must be served, in percent (99.9 default).
    pub availability_target_percent: f64,
}

/// What happened to the group recently.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Switches (any trigger) in the last 7 days.
    pub switches_last_week: u32,
    /// Termination notices the group received in the last 7 days.
    pub interruptions_7d: u32,
    /// A termination notice or rebalance recommendation is unresolved.
    pub notice_open: bool,
    /// A command is queued for the group and not yet executed or expired.
    pub command_pending: bool,
    /// Last automatic promotion or fallback (emergency), if any.
    pub last_failover_at: Option<DateTime<Utc>>,
    /// Emergency left the group on on-demand and marked it for return.
    pub return_to_spot: bool,
}

/// Everything a model is given about one group at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionInput {
    pub schema_version: u32,
    pub group_id: Uuid,
    pub now: DateTime<Utc>,
    pub instance: InstanceFeatures,
    pub on_demand_price: f64,
    /// Candidate pools, the current one included when it is a spot pool.
    pub candidates: Vec<PoolWindow>,
    pub settings: DecisionSettings,
    pub history: History,
}

/// Why an input was refused (a bug in whoever built it, never a model's fault).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InputError {
    #[error("input schema version {0} is not supported")]
    Version(u32),
    #[error("{0} must be a finite number greater than zero")]
    Price(&'static str),
    #[error("pool {0:?}: {1}")]
    Pool(String, &'static str),
    #[error("{0} is out of range")]
    Range(&'static str),
}

fn valid_pool_id(id: &str) -> bool {
    matches!(id.split_once('.'), Some((t, az)) if !t.is_empty() && !az.is_empty())
}

impl DecisionInput {
    /// The window of the pool the group runs in, when it is a spot pool.
    pub fn current_window(&self) -> Option<&PoolWindow> {
        let current = self.instance.pool_id.as_deref()?;
        if self.instance.on_demand() {
            return None;
        }
        self.candidates.iter().find(|c| c.pool_id == current)
    }

    pub fn candidate(&self, pool: &str) -> Option<&PoolWindow> {
        self.candidates.iter().find(|c| c.pool_id == pool)
    }

    /// Checks version, prices, ordering and ranges.
    pub fn validate(&self) -> Result<(), InputError> {
        if self.schema_version != INPUT_SCHEMA_VERSION {
            return Err(InputError::Version(self.schema_version));
        }
        if !(self.on_demand_price.is_finite() && self.on_demand_price > 0.0) {
            return Err(InputError::Price("on_demand_price"));
        }
        let t = self.settings.availability_target_percent;
        if !(0.0..=100.0).contains(&t) {
            return Err(InputError::Range("availability_target_percent"));
        }
        if !(0.0..=100.0).contains(&self.settings.min_savings_percent) {
            return Err(InputError::Range("min_savings_percent"));
        }
        for (field, v) in
            [("uptime_hours", self.instance.uptime_hours), ("hours_in_pool", self.instance.hours_in_pool)]
        {
            if !(v.is_finite() && v >= 0.0) {
                return Err(InputError::Range(field));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for c in &self.candidates {
            if !valid_pool_id(&c.pool_id) {
                return Err(InputError::Pool(c.pool_id.clone(), "is not <instance_type>.<az>"));
            }
            if !seen.insert(c.pool_id.as_str()) {
                return Err(InputError::Pool(c.pool_id.clone(), "is listed twice"));
            }
            if c.risk_score.is_some_and(|s| !(0.0..=1.0).contains(&s)) {
                return Err(InputError::Pool(c.pool_id.clone(), "risk score outside [0, 1]"));
            }
            if c.points.iter().any(|p| !(p.price.is_finite() && p.price > 0.0)) {
                return Err(InputError::Pool(
                    c.pool_id.clone(),
                    "has a price that is not finite and positive",
                ));
            }
            if c.points.windows(2).any(|w| w[0].at >= w[1].at) {
                return Err(InputError::Pool(c.pool_id.clone(), "points are not in strictly ascending time"));
            }
        }
        Ok(())
    }
}
