//! A lock-free log-bucket latency histogram: 16 linear sub-buckets per
//! power of two (at most ~6% relative error), microsecond resolution,
//! recorded with relaxed atomics from any task.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

const SUB: u64 = 16;
const SUB_BITS: u32 = 4;
const MAX_EXP: u32 = 42; // 2^42 us is about 51 days
const BUCKETS: usize = (SUB + (MAX_EXP as u64 - SUB_BITS as u64 + 1) * SUB) as usize;

fn index(us: u64) -> usize {
    if us < SUB {
        return us as usize;
    }
    let exp = (63 - us.leading_zeros()).min(MAX_EXP);
    let sub = (us >> (exp - SUB_BITS)) & (SUB - 1);
    (SUB + u64::from(exp - SUB_BITS) * SUB + sub) as usize
}

/// Upper bound (exclusive) of a bucket, in microseconds.
fn upper(i: usize) -> u64 {
    let i = i as u64;
    if i < SUB {
        return i + 1;
    }
    let exp = (i - SUB) / SUB + u64::from(SUB_BITS);
    let sub = (i - SUB) % SUB;
    (SUB + sub + 1) << (exp - u64::from(SUB_BITS))
}

/// A concurrent histogram of durations.
#[derive(Debug)]
pub struct Histogram {
    buckets: Box<[AtomicU64]>,
    max_us: AtomicU64,
    sum_us: AtomicU64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            max_us: AtomicU64::new(0),
            sum_us: AtomicU64::new(0),
        }
    }
}

impl Histogram {
    /// Records one value.
    pub fn record(&self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        if let Some(b) = self.buckets.get(index(us)) {
            b.fetch_add(1, Ordering::Relaxed);
        }
        self.max_us.fetch_max(us, Ordering::Relaxed);
        self.sum_us.fetch_add(us, Ordering::Relaxed);
    }

    /// A consistent-enough copy of the counts.
    pub fn snapshot(&self) -> HistogramSnapshot {
        HistogramSnapshot {
            counts: self.buckets.iter().map(|b| b.load(Ordering::Relaxed)).collect(),
            max_us: self.max_us.load(Ordering::Relaxed),
            sum_us: self.sum_us.load(Ordering::Relaxed),
        }
    }
}

/// Counts of a histogram at one moment; subtract two for a window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HistogramSnapshot {
    counts: Vec<u64>,
    max_us: u64,
    sum_us: u64,
}

impl HistogramSnapshot {
    /// Number of values.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Largest value recorded (over the whole run, also in windows).
    pub fn max(&self) -> Duration {
        Duration::from_micros(self.max_us)
    }

    /// Mean value.
    pub fn mean(&self) -> Duration {
        Duration::from_micros(self.sum_us.checked_div(self.count()).unwrap_or(0))
    }

    /// The `q` quantile (0..=1), as the upper bound of its bucket.
    pub fn quantile(&self, q: f64) -> Duration {
        let total = self.count();
        if total == 0 {
            return Duration::ZERO;
        }
        let rank = ((q.clamp(0.0, 1.0) * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Duration::from_micros(upper(i).min(self.max_us.max(1)));
            }
        }
        self.max()
    }

    /// The values recorded after `earlier` was taken.
    pub fn since(&self, earlier: &HistogramSnapshot) -> HistogramSnapshot {
        let counts = self
            .counts
            .iter()
            .enumerate()
            .map(|(i, c)| c.saturating_sub(earlier.counts.get(i).copied().unwrap_or(0)))
            .collect();
        HistogramSnapshot { counts, max_us: self.max_us, sum_us: self.sum_us.saturating_sub(earlier.sum_us) }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn buckets_are_monotonic_and_tight() {
        let mut last = 0;
        for us in [0u64, 1, 15, 16, 17, 31, 32, 100, 1_000, 65_535, 1_000_000, 1 << 40] {
            let i = index(us);
            assert!(i >= last, "index not monotonic at {us}");
            last = i;
            assert!(upper(i) > us, "upper({i}) = {} <= {us}", upper(i));
            assert!((upper(i) as f64) <= us as f64 * 1.07 + 1.0, "bucket too wide at {us}");
        }
        assert!(index(u64::MAX) < BUCKETS);
    }

    #[test]
    fn quantiles_of_a_uniform_spread() {
        let h = Histogram::default();
        for ms in 1..=1000u64 {
            h.record(Duration::from_millis(ms));
        }
        let s = h.snapshot();
        assert_eq!(s.count(), 1000);
        let p50 = s.quantile(0.5).as_secs_f64() * 1000.0;
        let p99 = s.quantile(0.99).as_secs_f64() * 1000.0;
        assert!((500.0..=535.0).contains(&p50), "p50 {p50}");
        assert!((990.0..=1000.0).contains(&p99), "p99 {p99}");
        assert_eq!(s.max(), Duration::from_millis(1000));
        let before = s.clone();
        h.record(Duration::from_millis(5));
        let window = h.snapshot().since(&before);
        assert_eq!(window.count(), 1);
        assert!(window.quantile(0.5) <= Duration::from_micros(5_400));
    }
}
