//! Per-day chart series: every day of a range present (missing days are 0),
//! oldest first, so a chart never skips a day with nothing in it.

use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// One day's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayPoint {
    pub day: NaiveDate,
    pub value: f64,
}

/// Sums `points` per day over `from..=to`; days outside the range are
/// ignored, days without a point are 0. An inverted range is empty.
pub fn daily_series(
    from: NaiveDate,
    to: NaiveDate,
    points: impl IntoIterator<Item = (NaiveDate, f64)>,
) -> Vec<DayPoint> {
    let mut sums: BTreeMap<NaiveDate, f64> = BTreeMap::new();
    for (day, value) in points {
        if (from..=to).contains(&day) {
            *sums.entry(day).or_insert(0.0) += value;
        }
    }
    from.iter_days()
        .take_while(|d| *d <= to)
        .map(|day| DayPoint { day, value: sums.get(&day).copied().unwrap_or(0.0) })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, day).unwrap_or_default()
    }

    #[test]
    fn fills_gaps_and_sums_duplicates() {
        let s = daily_series(d(1), d(4), [(d(2), 1.0), (d(2), 2.0), (d(4), 5.0), (d(9), 7.0)]);
        let values: Vec<f64> = s.iter().map(|p| p.value).collect();
        assert_eq!(values, [0.0, 3.0, 0.0, 5.0]);
        assert_eq!(s[0].day, d(1));
        assert!(daily_series(d(4), d(1), [(d(2), 1.0)]).is_empty());
    }
}
