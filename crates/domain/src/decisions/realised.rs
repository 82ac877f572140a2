//! Realised savings of an executed switch: what the new placement cost
//! against what staying would have cost, bucket by bucket over the
//! consolidated prices both sides have, filled in as the data arrives.

use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

/// Price of one side per bucket start; on-demand is a constant side.
#[derive(Debug, Clone, PartialEq)]
pub enum Side<'a> {
    Pool(&'a BTreeMap<DateTime<Utc>, f64>),
    OnDemand(f64),
}

impl Side<'_> {
    fn at(&self, bucket: DateTime<Utc>) -> Option<f64> {
        match self {
            Self::Pool(points) => points.get(&bucket).copied(),
            Self::OnDemand(p) => Some(*p),
        }
    }
}

/// `(saving, hours covered)` from `from` to `to` in buckets of `bucket`,
/// counting only buckets where both sides have a price; `None` before any
/// bucket is covered. Positive means the switch saved money.
pub fn realised_savings(
    stay: &Side<'_>,
    moved: &Side<'_>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    bucket: Duration,
) -> Option<(f64, f64)> {
    if bucket <= Duration::zero() || to <= from {
        return None;
    }
    let secs = bucket.num_seconds().max(1);
    let hours = secs as f64 / 3600.0;
    // First whole bucket at or after the execution (a partial one is skipped).
    let start = DateTime::<Utc>::from_timestamp((from.timestamp() + secs - 1).div_euclid(secs) * secs, 0)?;
    let (mut saving, mut covered) = (0.0, 0.0);
    let mut t = start;
    while t + bucket <= to {
        if let (Some(a), Some(b)) = (stay.at(t), moved.at(t)) {
            saving += (a - b) * hours;
            covered += hours;
        }
        t += bucket;
    }
    (covered > 0.0).then_some((saving, covered))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).single().unwrap_or_default()
    }

    #[test]
    fn saving_sums_the_buckets_both_sides_priced() {
        let b = Duration::minutes(5);
        let old: BTreeMap<_, _> = (0..12).map(|i| (t(10, 0) + b * i, 0.05)).collect();
        let mut new: BTreeMap<_, _> = (0..12).map(|i| (t(10, 0) + b * i, 0.03)).collect();
        new.remove(&t(10, 30));
        // Executed at 10:02: the 10:00 bucket is partial and skipped; 10:30 has no price.
        let got = realised_savings(&Side::Pool(&old), &Side::Pool(&new), t(10, 2), t(11, 0), b);
        let (saving, hours) = got.unwrap_or_default();
        assert!((hours - 10.0 / 12.0).abs() < 1e-9, "{hours}");
        assert!((saving - 0.02 * 10.0 / 12.0).abs() < 1e-9, "{saving}");
    }

    #[test]
    fn on_demand_as_the_stay_side_and_nothing_before_data() {
        let b = Duration::minutes(5);
        let new: BTreeMap<_, _> = [(t(10, 5), 0.03)].into_iter().collect();
        let got = realised_savings(&Side::OnDemand(0.096), &Side::Pool(&new), t(10, 0), t(10, 30), b);
        assert_eq!(
            got.map(|(s, h)| ((s * 1e6).round(), (h * 12.0).round())),
            Some(((0.066 / 12.0 * 1e6_f64).round(), 1.0))
        );
        assert_eq!(realised_savings(&Side::OnDemand(0.1), &Side::Pool(&new), t(11, 0), t(11, 30), b), None);
        assert_eq!(realised_savings(&Side::OnDemand(0.1), &Side::OnDemand(0.1), t(11, 0), t(10, 0), b), None);
    }
}
