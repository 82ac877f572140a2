//! Golden tests of the consolidation maths on small hand-made series
//! (5-minute buckets over one hour: 12 buckets, index i starts at 00:05*i).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use chrono::{DateTime, Duration, TimeZone, Utc};

fn t(min: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).unwrap() + Duration::seconds(min * 60)
}

fn hour() -> Window {
    Window::new(t(0), t(60), Duration::minutes(5)).unwrap()
}

fn p(min: i64, price: f64, role: ReporterRole) -> RawPoint {
    RawPoint { at: t(min), price, role }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

use ReporterRole::{Primary, Replica, Unknown};

#[test]
fn primary_beats_replica_in_the_same_bucket() {
    let (out, stats) =
        consolidate_pool(&hour(), &[p(1, 0.50, Replica), p(2, 0.10, Primary), p(3, 0.90, Replica)], &[]);
    assert_eq!(out.len(), 1);
    assert!(close(out[0].price, 0.10));
    assert_eq!(out[0].source, Source::Agent);
    assert_eq!(out[0].samples, 1);
    assert_eq!(
        stats,
        ConsolidationStats { records: 3, duplicates_removed: 2, gaps_interpolated: 0, backfills_added: 0 }
    );
}

#[test]
fn median_settles_conflicts_among_equals() {
    let (odd, _) =
        consolidate_pool(&hour(), &[p(0, 0.3, Primary), p(1, 0.1, Primary), p(4, 0.2, Primary)], &[]);
    assert!(close(odd[0].price, 0.2));
    let (even, _) = consolidate_pool(
        &hour(),
        &[p(0, 0.4, Replica), p(1, 0.1, Unknown), p(2, 0.2, Replica), p(3, 0.3, Replica)],
        &[],
    );
    assert!(close(even[0].price, 0.25));
    assert_eq!(even[0].samples, 4);
}

#[test]
fn interpolation_fills_between_known_buckets_only() {
    // Known at buckets 2 (0.10) and 6 (0.30); 3, 4, 5 interpolated; 0-1 and 7-11 left empty.
    let (out, stats) = consolidate_pool(&hour(), &[p(10, 0.10, Primary), p(31, 0.30, Primary)], &[]);
    let got: Vec<(i64, f64, Source)> =
        out.iter().map(|c| ((c.bucket_start - t(0)).num_minutes(), c.price, c.source)).collect();
    let want = [
        (10, 0.10, Source::Agent),
        (15, 0.15, Source::Interpolated),
        (20, 0.20, Source::Interpolated),
        (25, 0.25, Source::Interpolated),
        (30, 0.30, Source::Agent),
    ];
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.0, w.0);
        assert!(close(g.1, w.1), "{g:?} vs {w:?}");
        assert_eq!(g.2, w.2);
    }
    assert_eq!(stats.gaps_interpolated, 3);
    assert!(out.iter().filter(|c| c.source == Source::Interpolated).all(|c| c.samples == 0));
}

#[test]
fn adjacent_buckets_need_no_interpolation() {
    let (out, stats) = consolidate_pool(&hour(), &[p(0, 0.1, Primary), p(5, 0.2, Primary)], &[]);
    assert_eq!(out.len(), 2);
    assert_eq!(stats.gaps_interpolated, 0);
}

#[test]
fn backfill_fills_only_buckets_agents_left_empty() {
    // Cloud: 0.07 since yesterday, 0.09 from 00:32. Agents: bucket 0 and bucket 11.
    let history = [HistoryPoint { at: t(-600), price: 0.07 }, HistoryPoint { at: t(32), price: 0.09 }];
    let (out, stats) = consolidate_pool(&hour(), &[p(0, 0.05, Primary), p(57, 0.06, Replica)], &history);
    assert_eq!(out.len(), 12);
    assert_eq!((out[0].source, out[11].source), (Source::Agent, Source::Agent));
    assert!(close(out[0].price, 0.05) && close(out[11].price, 0.06));
    for c in &out[1..6] {
        assert_eq!(c.source, Source::Backfilled);
        assert!(close(c.price, 0.07), "{c:?}");
    }
    // The change at 00:32 is in force from bucket 6 (00:30-00:35) on.
    for c in &out[6..11] {
        assert_eq!(c.source, Source::Backfilled);
        assert!(close(c.price, 0.09), "{c:?}");
    }
    assert_eq!(stats.backfills_added, 10);
    assert_eq!(stats.gaps_interpolated, 0);
}

#[test]
fn backfill_ignores_prices_older_than_seven_days_and_later_changes() {
    let stale = [HistoryPoint { at: t(-8 * 24 * 60), price: 0.07 }];
    let (out, stats) = consolidate_pool(&hour(), &[], &stale);
    assert!(out.is_empty());
    assert_eq!(stats.backfills_added, 0);
    // A change at 00:40 says nothing about 00:00-00:40.
    let late = [HistoryPoint { at: t(40), price: 0.08 }];
    let (out, _) = consolidate_pool(&hour(), &[], &late);
    assert_eq!(out.len(), 4);
    assert_eq!(out[0].bucket_start, t(40));
}

#[test]
fn backfilled_points_anchor_interpolation() {
    // Agent at bucket 0; cloud price only from 00:30 on -> buckets 1..5 interpolate towards it.
    let history = [HistoryPoint { at: t(30), price: 0.10 }];
    let (out, stats) = consolidate_pool(&hour(), &[p(0, 0.04, Primary)], &history);
    assert_eq!(out.len(), 12);
    assert_eq!(stats.backfills_added, 6);
    assert_eq!(stats.gaps_interpolated, 5);
    assert!(close(out[3].price, 0.04 + 0.06 * 3.0 / 6.0));
    assert_eq!(out[3].source, Source::Interpolated);
}

#[test]
fn out_of_window_and_invalid_prices_are_ignored() {
    let (out, stats) = consolidate_pool(
        &hour(),
        &[p(-1, 0.5, Primary), p(60, 0.5, Primary), p(7, f64::NAN, Primary), p(8, -1.0, Primary)],
        &[],
    );
    assert!(out.is_empty());
    assert_eq!(stats.records, 0);
}

#[test]
fn rerun_on_the_same_input_gives_the_same_output() {
    let pts = [p(0, 0.1, Primary), p(1, 0.3, Replica), p(33, 0.2, Replica), p(59, 0.25, Primary)];
    let history = [HistoryPoint { at: t(-30), price: 0.11 }];
    let first = consolidate_pool(&hour(), &pts, &history);
    let mut shuffled = pts;
    shuffled.reverse();
    assert_eq!(first, consolidate_pool(&hour(), &shuffled, &history));
}
