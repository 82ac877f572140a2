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
    let candidates = vec![
        window("m5.large.us-east-1a", current, RiskLevel::Safe),
        window("m5.large.us-east-1b", b, RiskLevel::Safe),
        window("m5.large.us-east-1c", c, RiskLevel::Safe),
    ];
    super::sample::input(Uuid::from_u128(42), now(), 30.0, current - super::sample::ON_DEMAND, candidates)
}
