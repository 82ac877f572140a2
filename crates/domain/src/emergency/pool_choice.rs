//! Fastest-boot pool selection and the fallback chain.
//!
//! A pool qualifies with at least [`MIN_BOOT_SAMPLES`] measured boots and a
//! risk recommendation other than `avoid`; the fastest average wins, ties go
//! to the lexically smaller pool id so every replica of the service picks the
//! same one. With no qualifying pool, the lowest-risk pool pricing knows
//! for the type (not `avoid`, not excluded) is used; with none of those
//! either, the current pool.

use crate::pricing::Recommendation;

/// Boots needed before a pool's average counts.
pub const MIN_BOOT_SAMPLES: u32 = 3;

/// Measured boot times of one pool.
#[derive(Debug, Clone, PartialEq)]
pub struct BootStats {
    pub pool_id: String,
    pub samples: u32,
    pub avg_seconds: f64,
    /// Current risk advice, when pricing has assessed the pool.
    pub recommendation: Option<Recommendation>,
    /// Current risk score, when pricing has assessed the pool.
    pub risk_score: Option<f64>,
}

/// The chosen pool and why.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolChoice {
    pub pool_id: String,
    /// Average boot seconds when chosen from measurements.
    pub avg_boot_seconds: Option<f64>,
    pub reason: String,
}

fn qualifies(s: &BootStats, exclude: &[&str]) -> bool {
    s.samples >= MIN_BOOT_SAMPLES
        && s.avg_seconds.is_finite()
        && s.recommendation != Some(Recommendation::Avoid)
        && !exclude.contains(&s.pool_id.as_str())
}

fn ranked<'a>(stats: &'a [BootStats], exclude: &[&str]) -> Vec<&'a BootStats> {
    let mut ok: Vec<&BootStats> = stats.iter().filter(|s| qualifies(s, exclude)).collect();
    ok.sort_by(|a, b| a.avg_seconds.total_cmp(&b.avg_seconds).then_with(|| a.pool_id.cmp(&b.pool_id)));
    ok
}

/// The fastest-booting safe pool among `stats`, skipping `exclude` (e.g. the
/// pool being reclaimed); `current` when none qualifies.
pub fn fastest_boot_pool(stats: &[BootStats], exclude: &[&str], current: &str) -> PoolChoice {
    if let Some(best) = ranked(stats, exclude).first() {
        return PoolChoice {
            pool_id: best.pool_id.clone(),
            avg_boot_seconds: Some(best.avg_seconds),
            reason: format!("fastest boot: {:.0} s average over {} boots", best.avg_seconds, best.samples),
        };
    }
    let safest = stats
        .iter()
        .filter(|s| s.recommendation.is_some_and(|r| r != Recommendation::Avoid))
        .filter(|s| !exclude.contains(&s.pool_id.as_str()))
        .filter_map(|s| s.risk_score.filter(|r| r.is_finite()).map(|r| (r, s)))
        .min_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.pool_id.cmp(&b.1.pool_id)));
    match safest {
        Some((score, s)) => PoolChoice {
            pool_id: s.pool_id.clone(),
            avg_boot_seconds: None,
            reason: format!(
                "no pool with {MIN_BOOT_SAMPLES}+ measured boots; lowest-risk known pool (score {score:.2})"
            ),
        },
        None => PoolChoice {
            pool_id: current.to_owned(),
            avg_boot_seconds: None,
            reason: format!(
                "no pool with {MIN_BOOT_SAMPLES}+ measured boots or known risk; using the current pool"
            ),
        },
    }
}

/// What to try after a missed deadline.
#[derive(Debug, Clone, PartialEq)]
pub enum FallbackStep {
    /// Another spot pool, the next fastest safe one.
    Pool(PoolChoice),
    /// Give up on spot: on-demand capacity.
    OnDemand,
}

impl FallbackStep {
    /// `pool:<id>` or `ondemand`, as recorded and published.
    pub fn label(&self) -> String {
        match self {
            Self::Pool(p) => format!("pool:{}", p.pool_id),
            Self::OnDemand => "ondemand".to_owned(),
        }
    }
}

/// The step after `tried` failed: the fastest qualifying pool not yet
/// tried, else on-demand.
pub fn fallback_after(stats: &[BootStats], tried: &[&str]) -> FallbackStep {
    match ranked(stats, tried).first() {
        Some(next) => FallbackStep::Pool(PoolChoice {
            pool_id: next.pool_id.clone(),
            avg_boot_seconds: Some(next.avg_seconds),
            reason: format!("fallback: next fastest safe pool ({:.0} s average)", next.avg_seconds),
        }),
        None => FallbackStep::OnDemand,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    fn s(pool: &str, samples: u32, avg: f64, rec: Option<Recommendation>) -> BootStats {
        BootStats { pool_id: pool.into(), samples, avg_seconds: avg, recommendation: rec, risk_score: None }
    }

    #[test]
    fn without_boot_data_the_lowest_risk_known_pool_beats_the_current_one() {
        let known = |pool: &str, score: f64, rec| BootStats {
            pool_id: pool.into(),
            samples: 0,
            avg_seconds: f64::NAN,
            recommendation: Some(rec),
            risk_score: Some(score),
        };
        let stats = [
            known("m5.large.us-east-1a", 0.1, Recommendation::Safe), // the reclaimed pool: excluded
            known("m5.large.us-east-1b", 0.5, Recommendation::Caution),
            known("m5.large.us-east-1c", 0.3, Recommendation::Safe),
            known("m5.large.us-east-1d", 0.05, Recommendation::Avoid),
        ];
        let c = fastest_boot_pool(&stats, &["m5.large.us-east-1a"], "m5.large.us-east-1a");
        assert_eq!(c.pool_id, "m5.large.us-east-1c");
        assert!(c.reason.contains("lowest-risk"));
    }

    #[test]
    fn picks_the_fastest_pool_with_enough_samples_outside_avoid() {
        let stats = [
            s("m5.large.us-east-1a", 10, 40.0, Some(Recommendation::Safe)),
            s("m5.large.us-east-1b", 2, 10.0, None), // too few samples
            s("m5.large.us-east-1c", 5, 20.0, Some(Recommendation::Avoid)), // avoid
            s("m5.large.us-east-1d", 3, 35.0, Some(Recommendation::Caution)),
        ];
        let c = fastest_boot_pool(&stats, &[], "m5.large.us-east-1a");
        assert_eq!(c.pool_id, "m5.large.us-east-1d");
        assert_eq!(c.avg_boot_seconds, Some(35.0));
    }

    #[test]
    fn excluded_pools_are_skipped_and_nothing_left_means_the_current_pool() {
        let stats = [s("m5.large.us-east-1a", 10, 40.0, None)];
        let c = fastest_boot_pool(&stats, &["m5.large.us-east-1a"], "m5.large.us-east-1a");
        assert_eq!(c.pool_id, "m5.large.us-east-1a");
        assert_eq!(c.avg_boot_seconds, None);
        assert!(c.reason.contains("current pool"));
    }

    #[test]
    fn ties_break_on_pool_id_so_every_replica_agrees() {
        let stats = [s("b.large.us-east-1b", 3, 30.0, None), s("a.large.us-east-1a", 3, 30.0, None)];
        assert_eq!(fastest_boot_pool(&stats, &[], "x").pool_id, "a.large.us-east-1a");
    }

    #[test]
    fn fallback_chain_goes_to_the_next_pool_then_on_demand() {
        let stats = [s("p.large.us-east-1a", 3, 30.0, None), s("p.large.us-east-1b", 4, 50.0, None)];
        let first = fallback_after(&stats, &["p.large.us-east-1a"]);
        assert_eq!(first.label(), "pool:p.large.us-east-1b");
        assert_eq!(
            fallback_after(&stats, &["p.large.us-east-1a", "p.large.us-east-1b"]),
            FallbackStep::OnDemand
        );
        assert_eq!(FallbackStep::OnDemand.label(), "ondemand");
    }
}
