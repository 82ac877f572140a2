//! Test inputs: a group in `m5.large.us-east-1a` with two other pools.

use super::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use uuid::Uuid;

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).single().unwrap_or_default()
}

/// 24 hourly agent points at `price`, ending now.
pub fn window(pool: &str, price: f64, risk: RiskLevel) -> PoolWindow {
    let points = (0..24)
        .map(|i| PricePoint { at: now() - Duration::hours(23 - i), price, source: PointSource::Agent })
        .collect();
    let score = match risk {
        RiskLevel::Safe => Some(0.1),
        RiskLevel::Caution => Some(0.5),
        RiskLevel::Avoid => Some(0.9),
        RiskLevel::Unknown => None,
    };
    PoolWindow { pool_id: pool.into(), risk, risk_score: score, interruptions_30d: 0, points }
}

pub fn input(current: f64, b: f64, c: f64) -> DecisionInput {
    DecisionInput {
        schema_version: INPUT_SCHEMA_VERSION,
        group_id: Uuid::from_u128(42),
        now: now(),
        instance: InstanceFeatures {
            role: "PRIMARY".into(),
            instance_type: "m5.large".into(),
            region: "us-east-1".into(),
            az: "us-east-1a".into(),
            mode: "spot".into(),
            pool_id: Some("m5.large.us-east-1a".into()),
            uptime_hours: 30.0,
            hours_in_pool: 30.0,
            cost_delta_per_hour: current - 0.096,
        },
        on_demand_price: 0.096,
        candidates: vec![
            window("m5.large.us-east-1a", current, RiskLevel::Safe),
            window("m5.large.us-east-1b", b, RiskLevel::Safe),
            window("m5.large.us-east-1c", c, RiskLevel::Safe),
        ],
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
