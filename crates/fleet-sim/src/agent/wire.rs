//! Request bodies with exactly the fields agent v4.0.0 sends (see the
//! captures in `tests/fixtures/agent-v4/`). `Option` fields serialize as
//! `null` because v4 sends the key with `null`; fields v4 leaves out when
//! unknown are marked `skip_serializing_if`.

use serde::Serialize;

/// `POST /api/agents/register`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RegisterBody {
    /// The tenant token again (v4 repeats the bearer token here).
    pub client_token: String,
    /// Host name.
    pub hostname: String,
    /// Instance id.
    pub instance_id: String,
    /// Instance type.
    pub instance_type: String,
    /// Region.
    pub region: String,
    /// AZ.
    pub az: String,
    /// Image id.
    pub ami_id: String,
    /// `"4.0.0"` for v4.
    pub agent_version: String,
    /// Group key (v4 defaults it to the first instance id).
    pub logical_agent_id: String,
    /// `"spot"` or `"ondemand"`.
    pub mode: String,
    /// Private address.
    pub private_ip: String,
    /// Public address or `null`.
    pub public_ip: Option<String>,
    /// Typed agents only: what they can run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<String>>,
}

/// Health metrics typed agents add to heartbeats (section B).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HeartbeatMetrics {
    /// CPU use in percent.
    pub cpu_usage: f64,
    /// Memory use in percent.
    pub memory_usage: f64,
    /// Latency of the previous heartbeat.
    pub heartbeat_latency_ms: f64,
    /// Failed calls since the previous heartbeat.
    pub error_count: u64,
}

/// `POST /api/agents/{id}/heartbeat` (the running form).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HeartbeatBody {
    /// `"online"` or `"disabled"`.
    pub status: String,
    /// The instances this agent watches (its own).
    pub monitored_instances: Vec<String>,
    /// Instance id.
    pub instance_id: String,
    /// Instance type.
    pub instance_type: String,
    /// `"spot"` or `"ondemand"`.
    pub mode: String,
    /// AZ.
    pub az: String,
    /// Typed agents only.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<HeartbeatMetrics>,
}

/// An instance in a switch report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SwitchInstance {
    /// Instance id.
    pub instance_id: String,
    /// Instance type.
    pub instance_type: String,
    /// Region.
    pub region: String,
    /// AZ.
    pub az: String,
    /// Image id.
    pub ami_id: String,
    /// `"spot"` or `"ondemand"`.
    pub mode: String,
    /// Pool id, `null` on on-demand.
    pub pool_id: Option<String>,
}

/// The image taken before a switch, if any.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SwitchSnapshot {
    /// Whether an image was taken.
    pub used: bool,
    /// Image id (only when used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ami_id: Option<String>,
    /// Image name (only when used).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ami_name: Option<String>,
}

/// Prices at switch time; the spot prices only where spot was involved.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SwitchPrices {
    /// On-demand price of the type.
    pub on_demand: f64,
    /// Old pool's spot price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_spot: Option<f64>,
    /// New pool's spot price.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_spot: Option<f64>,
}

/// Switch timings, each `...Z` or `null`.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct SwitchTiming {
    /// When the command was taken.
    pub switch_initiated_at: Option<String>,
    /// Always `null` in v4 captures.
    pub snapshot_created_at: Option<String>,
    /// When the image was available (if one was taken).
    pub ami_created_at: Option<String>,
    /// When the new instance was launched.
    pub new_instance_launched_at: Option<String>,
    /// When it was running.
    pub new_instance_ready_at: Option<String>,
    /// When traffic moved.
    pub traffic_switched_at: Option<String>,
    /// When the old instance was terminated (`null` if kept).
    pub old_instance_terminated_at: Option<String>,
}

/// `POST /api/agents/{id}/switch-report`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SwitchReport {
    /// Instance switched away from.
    pub old_instance: SwitchInstance,
    /// Instance switched to.
    pub new_instance: SwitchInstance,
    /// Image taken first, if any.
    pub snapshot: SwitchSnapshot,
    /// Prices.
    pub prices: SwitchPrices,
    /// Timings.
    pub timing: SwitchTiming,
    /// `"manual"` (priority >= 50) or `"model"`.
    pub trigger: String,
}

/// The instance part of a pricing report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PricingInstance {
    /// Instance id.
    pub instance_id: String,
    /// Instance type.
    pub instance_type: String,
    /// Region.
    pub region: String,
    /// AZ.
    pub az: String,
    /// `"spot"` or `"ondemand"`.
    pub mode: String,
    /// Pool id, `null` on on-demand.
    pub pool_id: Option<String>,
}

/// A pool and its price.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PoolPrice {
    /// Pool id.
    pub pool_id: String,
    /// Price.
    pub price: f64,
}

/// A spot pool of the agent's instance type.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SpotPool {
    /// Pool id.
    pub pool_id: String,
    /// Instance type.
    pub instance_type: String,
    /// AZ.
    pub az: String,
    /// Current spot price.
    pub price: f64,
}

/// The prices part of a pricing report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Pricing {
    /// On-demand price of the type.
    pub on_demand_price: f64,
    /// Own pool's price, `null` on on-demand.
    pub current_spot_price: Option<f64>,
    /// Cheapest pool of the type, `null` on on-demand.
    pub cheapest_pool: Option<PoolPrice>,
    /// Every pool of the type.
    pub spot_pools: Vec<SpotPool>,
    /// Naive UTC timestamp.
    pub collected_at: String,
}

/// `POST /api/agents/{id}/pricing-report`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PricingReport {
    /// The reporting instance.
    pub instance: PricingInstance,
    /// Prices.
    pub pricing: Pricing,
}

/// An item cleanup could not delete.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CleanupFailure {
    /// Snapshot or image id.
    pub id: String,
    /// Error text.
    pub error: String,
}

/// What each step of a cleanup report ends with (v4 sends these fields
/// after the step's own lists).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CleanupOutcome {
    /// Failures.
    pub failed: Vec<CleanupFailure>,
    /// Naive UTC cutoff (on success).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cutoff_date: Option<String>,
    /// Error text (when the whole step failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl CleanupOutcome {
    /// A step that succeeded with nothing failing, up to `cutoff_date`.
    pub fn done(cutoff_date: String) -> Self {
        Self { failed: Vec::new(), cutoff_date: Some(cutoff_date), error: None }
    }
}

/// Snapshot part of a cleanup report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SnapshotCleanup {
    /// Always `"snapshots"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Deleted snapshot ids.
    pub deleted: Vec<String>,
    /// How the step went.
    #[serde(flatten)]
    pub outcome: CleanupOutcome,
}

/// Image part of a cleanup report.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AmiCleanup {
    /// Always `"amis"`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Deregistered images.
    pub deleted_amis: Vec<String>,
    /// Their deleted snapshots.
    pub deleted_snapshots: Vec<String>,
    /// How the step went.
    #[serde(flatten)]
    pub outcome: CleanupOutcome,
}

/// `POST /api/agents/{id}/cleanup-report`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CleanupReport {
    /// Naive UTC timestamp.
    pub timestamp: String,
    /// Snapshot cleanup.
    pub snapshots: SnapshotCleanup,
    /// Image cleanup.
    pub amis: AmiCleanup,
}

/// `POST /api/agents/{id}/replicas`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ReplicaReport {
    /// The replica's instance id.
    pub instance_id: String,
    /// `"emergency"` (v4) or `"manual"`.
    pub replica_type: String,
    /// The instance it replicates.
    pub parent_instance_id: String,
    /// Its pool.
    pub pool_id: String,
    /// `"ready"` (v4) or `"launching"`.
    pub status: String,
}
