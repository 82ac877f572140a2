//! Properties of consolidation on arbitrary series.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use std::collections::HashMap;

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap()
}

fn role() -> impl Strategy<Value = ReporterRole> {
    prop_oneof![Just(ReporterRole::Primary), Just(ReporterRole::Replica), Just(ReporterRole::Unknown)]
}

fn points() -> impl Strategy<Value = Vec<RawPoint>> {
    prop::collection::vec((-600i64..8_000, 0.0f64..5.0, role()), 0..120).prop_map(|v| {
        v.into_iter()
            .map(|(s, price, role)| RawPoint { at: base() + Duration::seconds(s), price, role })
            .collect()
    })
}

fn history() -> impl Strategy<Value = Vec<HistoryPoint>> {
    prop::collection::vec((-900_000i64..8_000, 0.0f64..5.0), 0..8).prop_map(|v| {
        v.into_iter().map(|(s, price)| HistoryPoint { at: base() + Duration::seconds(s), price }).collect()
    })
}

proptest! {
    #[test]
    fn consolidated_series_are_well_formed(points in points(), history in history(), bucket in 60i64..900) {
        let window = Window::new(base(), base() + Duration::seconds(7_200), Duration::seconds(bucket)).unwrap();
        let (out, stats) = consolidate_pool(&window, &points, &history);

        // Strictly ordered, hence one point per bucket; every point inside the window on a bucket edge.
        prop_assert!(out.windows(2).all(|w| w[0].bucket_start < w[1].bucket_start));
        for c in &out {
            prop_assert!(window.contains(c.bucket_start));
            prop_assert_eq!(window.bucket_of(c.bucket_start), c.bucket_start);
            prop_assert!(c.price.is_finite() && c.price >= 0.0);
            prop_assert_eq!(c.samples == 0, c.source != Source::Agent);
        }

        // Every bucket with agent data is an agent point: never overwritten by a synthesised one.
        let mut by_bucket: HashMap<DateTime<Utc>, Vec<&RawPoint>> = HashMap::new();
        for p in points.iter().filter(|p| window.contains(p.at)) {
            by_bucket.entry(window.bucket_of(p.at)).or_default().push(p);
        }
        for (bucket, reports) in &by_bucket {
            let c = out.iter().find(|c| c.bucket_start == *bucket);
            prop_assert!(c.is_some_and(|c| c.source == Source::Agent));
            let c = c.unwrap();
            let primaries: Vec<f64> = reports.iter().filter(|r| r.role == ReporterRole::Primary).map(|r| r.price).collect();
            let pool: Vec<f64> = if primaries.is_empty() { reports.iter().map(|r| r.price).collect() } else { primaries };
            let lo = pool.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = pool.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            prop_assert!(c.price >= lo - 1e-12 && c.price <= hi + 1e-12);
        }
        prop_assert_eq!(out.iter().filter(|c| c.source == Source::Agent).count(), by_bucket.len());

        // The counters agree with the output.
        prop_assert_eq!(stats.records as usize, by_bucket.values().map(Vec::len).sum::<usize>());
        prop_assert_eq!(stats.duplicates_removed as usize, by_bucket.values().map(|v| v.len() - 1).sum::<usize>());
        prop_assert_eq!(stats.gaps_interpolated as usize, out.iter().filter(|c| c.source == Source::Interpolated).count());
        prop_assert_eq!(stats.backfills_added as usize, out.iter().filter(|c| c.source == Source::Backfilled).count());

        // Without history no point lies outside the span of the agent points (no extrapolation).
        if history.is_empty() {
            let first = by_bucket.keys().min();
            let last = by_bucket.keys().max();
            for c in &out {
                prop_assert!(Some(&c.bucket_start) >= first && Some(&c.bucket_start) <= last);
            }
        }

        // Deterministic.
        prop_assert_eq!(consolidate_pool(&window, &points, &history), (out, stats));
    }
}
