//! The one place the replay calls the emergency rules
//! (`spot_domain::emergency`): where the replacement of an interrupted
//! PRIMARY goes. Kept this small so the replay follows the emergency
//! service's rules when they change: re-point these two calls.
//!
//! The rules: the fastest-boot safe pool other than the noticed one (with
//! fewer than three measured boots anywhere, the lowest-risk known pool);
//! when a launch there fails, the next pool of the fallback chain, then
//! on-demand.

use spot_domain::emergency::{BootStats, FallbackStep, fallback_after, fastest_boot_pool};
use spot_domain::pricing::Recommendation;

/// What the emergency rules know about one candidate pool.
#[derive(Debug, Clone)]
pub struct PoolFacts {
    pub pool_id: String,
    pub boots: u32,
    pub avg_boot_seconds: f64,
    pub risk_score: Option<f64>,
    pub recommendation: Option<Recommendation>,
}

/// A place to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Pool(String),
    OnDemand,
}

fn stats(pools: &[PoolFacts]) -> Vec<BootStats> {
    pools
        .iter()
        .map(|p| BootStats {
            pool_id: p.pool_id.clone(),
            samples: p.boots,
            avg_seconds: p.avg_boot_seconds,
            recommendation: p.recommendation,
            risk_score: p.risk_score,
        })
        .collect()
}

/// The next place to try for a replacement: the first choice when nothing
/// was tried, else the fallback after `tried`. The noticed pool counts as
/// tried once the first choice was made (v4 would put a same-pool replica
/// there; the replay lets it fail like any launch into a reclaimed pool).
pub fn next_step(pools: &[PoolFacts], noticed: Option<&str>, tried: &[String]) -> Step {
    let stats = stats(pools);
    if tried.is_empty() {
        let exclude: Vec<&str> = noticed.into_iter().collect();
        let current = noticed.unwrap_or_default();
        let choice = fastest_boot_pool(&stats, &exclude, current);
        if choice.pool_id.is_empty() {
            return Step::OnDemand;
        }
        return Step::Pool(choice.pool_id);
    }
    let mut refs: Vec<&str> = tried.iter().map(String::as_str).collect();
    refs.extend(noticed);
    match fallback_after(&stats, &refs) {
        FallbackStep::Pool(p) => Step::Pool(p.pool_id),
        FallbackStep::OnDemand => Step::OnDemand,
    }
}
