//! The time window of a consolidation run, cut into fixed buckets.

use chrono::{DateTime, Duration, Utc};

/// Why a window was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("bucket must be between 1 second and 1 day")]
    Bucket,
    #[error("window end must be after its start")]
    Empty,
}

/// `[start, end)` in buckets of `bucket`, both ends aligned down to a bucket
/// boundary (counted from the Unix epoch) so runs over overlapping windows
/// agree on bucket edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub bucket: Duration,
}

impl Window {
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>, bucket: Duration) -> Result<Self, WindowError> {
        if bucket < Duration::seconds(1) || bucket > Duration::days(1) {
            return Err(WindowError::Bucket);
        }
        let start = align(start, bucket);
        let end = align(end, bucket);
        if end <= start {
            return Err(WindowError::Empty);
        }
        Ok(Self { start, end, bucket })
    }

    /// Start of the bucket holding `at` (may lie outside the window).
    pub fn bucket_of(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        align(at, self.bucket)
    }

    /// Whether `at` falls inside the window.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        at >= self.start && at < self.end
    }

    /// Every bucket start, in order.
    pub fn buckets(&self) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        let n = (self.end - self.start).num_seconds() / self.bucket.num_seconds();
        (0..n).map(move |i| self.start + self.bucket * i as i32)
    }

    /// Index of the bucket starting at `bucket_start`.
    pub(crate) fn index(&self, at: DateTime<Utc>) -> usize {
        usize::try_from((at - self.start).num_seconds() / self.bucket.num_seconds()).unwrap_or(0)
    }

    pub(crate) fn len(&self) -> usize {
        usize::try_from((self.end - self.start).num_seconds() / self.bucket.num_seconds()).unwrap_or(0)
    }
}

fn align(at: DateTime<Utc>, bucket: Duration) -> DateTime<Utc> {
    let b = bucket.num_seconds();
    let secs = at.timestamp().div_euclid(b) * b;
    DateTime::from_timestamp(secs, 0).unwrap_or(at)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use chrono::TimeZone;

    #[test]
    fn aligns_to_bucket_edges() {
        let t = |h, m, s| Utc.with_ymd_and_hms(2026, 1, 1, h, m, s).unwrap();
        let w = Window::new(t(0, 2, 10), t(1, 3, 0), Duration::minutes(5)).unwrap();
        assert_eq!(w.start, t(0, 0, 0));
        assert_eq!(w.end, t(1, 0, 0));
        assert_eq!(w.buckets().count(), 12);
        assert_eq!(w.bucket_of(t(0, 9, 59)), t(0, 5, 0));
        assert!(Window::new(t(0, 0, 0), t(0, 4, 0), Duration::minutes(5)).is_err());
        assert!(Window::new(t(0, 0, 0), t(1, 0, 0), Duration::zero()).is_err());
    }
}
