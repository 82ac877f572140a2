//! Switch downtime over a window: count, mean, nearest-rank p50/p95, max.
//! The requirement documents' target is p95 under 10 s.

use serde::Serialize;

/// The requirement documents' p95 target, seconds.
pub const TARGET_P95_SECONDS: f64 = 10.0;

/// Summary of downtime samples (seconds). Empty input: count 0, the rest null.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DowntimeSummary {
    pub count: u64,
    pub avg_seconds: Option<f64>,
    pub p50_seconds: Option<f64>,
    pub p95_seconds: Option<f64>,
    pub max_seconds: Option<f64>,
    pub target_seconds: f64,
    /// Whether p95 is under the target (null without samples).
    pub within_target: Option<bool>,
}

/// Nearest-rank percentile of sorted samples (`p` in 0..=100).
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

impl DowntimeSummary {
    /// Summarises samples; negative and non-finite values are dropped
    /// (the database refuses negative downtime, this is defence in depth).
    pub fn from_samples(samples: impl IntoIterator<Item = f64>) -> Self {
        let mut sorted: Vec<f64> = samples.into_iter().filter(|s| s.is_finite() && *s >= 0.0).collect();
        sorted.sort_by(f64::total_cmp);
        let count = sorted.len() as u64;
        let avg = (count > 0).then(|| sorted.iter().sum::<f64>() / count as f64);
        let p95 = percentile(&sorted, 95.0);
        Self {
            count,
            avg_seconds: avg,
            p50_seconds: percentile(&sorted, 50.0),
            p95_seconds: p95,
            max_seconds: sorted.last().copied(),
            target_seconds: TARGET_P95_SECONDS,
            within_target: p95.map(|p| p < TARGET_P95_SECONDS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_window_has_no_figures() {
        let s = DowntimeSummary::from_samples([]);
        assert_eq!((s.count, s.avg_seconds, s.p95_seconds, s.within_target), (0, None, None, None));
    }

    #[test]
    fn nearest_rank_percentiles() {
        let s = DowntimeSummary::from_samples((1..=100).rev().map(f64::from));
        assert_eq!(s.count, 100);
        assert_eq!(s.avg_seconds, Some(50.5));
        assert_eq!(s.p50_seconds, Some(50.0));
        assert_eq!(s.p95_seconds, Some(95.0));
        assert_eq!(s.max_seconds, Some(100.0));
        assert_eq!(s.within_target, Some(false));
        let one = DowntimeSummary::from_samples([4.0, f64::NAN, -1.0]);
        assert_eq!((one.count, one.p50_seconds, one.p95_seconds), (1, Some(4.0), Some(4.0)));
        assert_eq!(one.within_target, Some(true));
    }

    #[test]
    fn percentile_edges() {
        assert_eq!(percentile(&[1.0, 2.0], 0.0), Some(1.0));
        assert_eq!(percentile(&[1.0, 2.0], 100.0), Some(2.0));
        assert_eq!(percentile(&[], 50.0), None);
    }
}
