//! Pool risk score.
//!
//! `score = 0.45 * min(cv / 0.25, 1) + 0.40 * min(interruptions_30d / 8, 1) + 0.15 * pressure`
//!
//! - `cv` is the 24 h coefficient of variation (population stddev / mean):
//!   a pool whose price swings by a quarter of its mean is as volatile as it
//!   gets for scoring.
//! - `interruptions_30d` counts termination notices seen in the pool in 30
//!   days; eight or more (about two a week) saturate.
//! - `pressure` is the 24 h average price over the on-demand price, capped
//!   at 1: spot near on-demand means capacity is tight. Unknown on-demand
//!   price counts as 0.
//!
//! Recommendation: `safe` below 0.40, `caution` below 0.70, `avoid` above.

/// What the score is computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskInputs {
    pub prices_24h: Vec<f64>,
    pub interruptions_30d: u32,
    pub on_demand_price: Option<f64>,
}

/// Advice for placing new capacity in a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recommendation {
    Safe,
    Caution,
    Avoid,
}

impl Recommendation {
    pub fn from_score(score: f64) -> Self {
        if score < 0.40 {
            Self::Safe
        } else if score < 0.70 {
            Self::Caution
        } else {
            Self::Avoid
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Safe => "safe",
            Self::Caution => "caution",
            Self::Avoid => "avoid",
        }
    }
}

/// One assessment.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolRisk {
    /// Coefficient of variation of the 24 h prices.
    pub volatility: f64,
    pub min: f64,
    pub avg: f64,
    pub max: f64,
    pub interruptions_30d: u32,
    pub score: f64,
    pub recommendation: Recommendation,
}

/// Weighted score in [0, 1] from its three parts (see the module docs).
pub fn score(volatility: f64, interruptions_30d: u32, pressure: f64) -> f64 {
    let v = (volatility / 0.25).clamp(0.0, 1.0);
    let i = (f64::from(interruptions_30d) / 8.0).min(1.0);
    let p = pressure.clamp(0.0, 1.0);
    (0.45 * v + 0.40 * i + 0.15 * p).clamp(0.0, 1.0)
}

/// Assesses a pool; `None` when it has no usable price in 24 h.
pub fn assess(inputs: &RiskInputs) -> Option<PoolRisk> {
    let prices: Vec<f64> = inputs.prices_24h.iter().copied().filter(|p| p.is_finite() && *p >= 0.0).collect();
    if prices.is_empty() {
        return None;
    }
    let n = prices.len() as f64;
    let avg = prices.iter().sum::<f64>() / n;
    let min = prices.iter().copied().fold(f64::INFINITY, f64::min);
    let max = prices.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let variance = prices.iter().map(|p| (p - avg).powi(2)).sum::<f64>() / n;
    let volatility = if avg > 0.0 { variance.sqrt() / avg } else { 0.0 };
    let pressure = match inputs.on_demand_price {
        Some(od) if od > 0.0 && od.is_finite() => avg / od,
        _ => 0.0,
    };
    let score = score(volatility, inputs.interruptions_30d, pressure);
    Some(PoolRisk {
        volatility,
        min,
        avg,
        max,
        interruptions_30d: inputs.interruptions_30d,
        score,
        recommendation: Recommendation::from_score(score),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn flat_cheap_quiet_pool_is_safe() {
        let r = assess(&RiskInputs {
            prices_24h: vec![0.03; 288],
            interruptions_30d: 0,
            on_demand_price: Some(0.10),
        })
        .unwrap();
        assert!(close(r.volatility, 0.0));
        assert!(close(r.score, 0.15 * 0.3));
        assert_eq!(r.recommendation, Recommendation::Safe);
        assert!(close(r.min, 0.03) && close(r.max, 0.03) && close(r.avg, 0.03));
    }

    #[test]
    fn volatile_pool_with_interruptions_is_avoided() {
        // Alternating 0.02 / 0.06: mean 0.04, stddev 0.02, cv 0.5 -> saturates.
        let prices: Vec<f64> = (0..100).map(|i| if i % 2 == 0 { 0.02 } else { 0.06 }).collect();
        let r = assess(&RiskInputs { prices_24h: prices, interruptions_30d: 4, on_demand_price: Some(0.08) })
            .unwrap();
        assert!(close(r.volatility, 0.5));
        assert!(close(r.score, 0.45 + 0.40 * 0.5 + 0.15 * 0.5));
        assert_eq!(r.recommendation, Recommendation::Avoid);
    }

    #[test]
    fn thresholds_are_exclusive_upper_bounds() {
        assert_eq!(Recommendation::from_score(0.0), Recommendation::Safe);
        assert_eq!(Recommendation::from_score(0.399_999), Recommendation::Safe);
        assert_eq!(Recommendation::from_score(0.40), Recommendation::Caution);
        assert_eq!(Recommendation::from_score(0.699_999), Recommendation::Caution);
        assert_eq!(Recommendation::from_score(0.70), Recommendation::Avoid);
        assert_eq!(Recommendation::from_score(1.0), Recommendation::Avoid);
    }

    #[test]
    fn interruptions_alone_reach_caution() {
        // 8 interruptions saturate: 0.40 exactly -> caution.
        let r =
            assess(&RiskInputs { prices_24h: vec![0.05; 10], interruptions_30d: 8, on_demand_price: None })
                .unwrap();
        assert!(close(r.score, 0.40));
        assert_eq!(r.recommendation, Recommendation::Caution);
        assert!(close(score(0.0, 100, 0.0), 0.40));
    }

    #[test]
    fn score_stays_in_unit_interval() {
        assert!(close(score(10.0, 1000, 5.0), 1.0));
        assert!(close(score(-1.0, 0, -3.0), 0.0));
    }

    #[test]
    fn no_usable_price_means_no_assessment() {
        assert!(
            assess(&RiskInputs { prices_24h: vec![], interruptions_30d: 3, on_demand_price: None }).is_none()
        );
        assert!(
            assess(&RiskInputs { prices_24h: vec![f64::NAN], interruptions_30d: 0, on_demand_price: None })
                .is_none()
        );
    }
}
