//! A sample group for tests and benches (feature `sample`, and this
//! crate's own tests): an auto-switch group whose PRIMARY runs on spot in
//! `m5.large.us-east-1a`, with the default group settings otherwise. Callers
//! choose the candidates, the clock and the time the primary has been up.

use super::{DecisionInput, DecisionSettings, History, INPUT_SCHEMA_VERSION, InstanceFeatures, PoolWindow};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// On-demand hourly price of `m5.large` in us-east-1.
pub const ON_DEMAND: f64 = 0.096;

/// The sample group's input at `now`: its primary has run `hours` in its
/// pool, `cost_delta_per_hour` from on-demand; `candidates` include that pool.
pub fn input(
    group_id: Uuid,
    now: DateTime<Utc>,
    hours: f64,
    cost_delta_per_hour: f64,
    candidates: Vec<PoolWindow>,
) -> DecisionInput {
    DecisionInput {
        schema_version: INPUT_SCHEMA_VERSION,
        group_id,
        now,
        instance: InstanceFeatures {
            role: "PRIMARY".into(),
            instance_type: "m5.large".into(),
            region: "us-east-1".into(),
            az: "us-east-1a".into(),
            mode: "spot".into(),
            pool_id: Some("m5.large.us-east-1a".into()),
            uptime_hours: hours,
            hours_in_pool: hours,
            cost_delta_per_hour,
        },
        on_demand_price: ON_DEMAND,
        candidates,
        settings: DecisionSettings {
            auto_switch: true,
            manual_replica: false,
            auto_terminate: false,
            min_savings_percent: 10.0,
            max_switches_per_week: 10,
            min_pool_duration_hours: 2,
            availability_target_percent: 99.9,
        },
        history: History::default(),
    }
}
