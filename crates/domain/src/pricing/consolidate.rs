//! Consolidation of one pool: raw reports -> one point per bucket.
//!
//! Rules, in order:
//! 1. A bucket with agent reports takes the median of its PRIMARY reports;
//!    with none, the median of the others (REPLICA and unknown role).
//! 2. An empty bucket takes the cloud's price in force during it (the last
//!    change before the bucket ends, at most 7 days old), flagged backfilled.
//! 3. A bucket still empty between two known buckets is interpolated
//!    linearly between them, flagged interpolated. Nothing is extrapolated
//!    past the first or last known bucket.

use super::window::Window;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Role of the instance that reported a price, when it reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReporterRole {
    Primary,
    Replica,
    Unknown,
}

impl ReporterRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Primary => "PRIMARY",
            Self::Replica => "REPLICA",
            Self::Unknown => "UNKNOWN",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "PRIMARY" => Some(Self::Primary),
            "REPLICA" => Some(Self::Replica),
            "UNKNOWN" => Some(Self::Unknown),
            _ => None,
        }
    }
}

/// Provenance of a consolidated point; serialized in its `as_str` spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Agent,
    Interpolated,
    Backfilled,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Agent => "agent",
            Self::Interpolated => "interpolated",
            Self::Backfilled => "backfilled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "agent" => Some(Self::Agent),
            "interpolated" => Some(Self::Interpolated),
            "backfilled" => Some(Self::Backfilled),
            _ => None,
        }
    }
}

/// One staged agent report of a pool price.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RawPoint {
    pub at: DateTime<Utc>,
    pub price: f64,
    pub role: ReporterRole,
}

/// One price change from the cloud's history (a step function: the price
/// holds until the next change).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistoryPoint {
    pub at: DateTime<Utc>,
    pub price: f64,
}

/// The consolidated price of one bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConsolidatedPoint {
    pub bucket_start: DateTime<Utc>,
    pub price: f64,
    pub source: Source,
    /// Agent reports that went into the value (0 for synthesised points).
    pub samples: u32,
}

/// What a run did, summed over pools.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsolidationStats {
    /// Agent reports read inside the window.
    pub records: u64,
    /// Reports that did not become a point of their own (bucket size - 1).
    pub duplicates_removed: u64,
    pub gaps_interpolated: u64,
    pub backfills_added: u64,
}

/// Oldest a cloud price may be and still count as "in force".
const BACKFILL_MAX_AGE: Duration = Duration::days(7);

#[derive(Default)]
struct Bucket {
    primary: Vec<f64>,
    other: Vec<f64>,
}

/// Consolidates one pool over `window`. `points` and `history` need not be
/// sorted; points outside the window and non-finite or negative prices are
/// ignored. The result is ordered by bucket, one point per bucket at most.
pub fn consolidate_pool(
    window: &Window,
    points: &[RawPoint],
    history: &[HistoryPoint],
) -> (Vec<ConsolidatedPoint>, ConsolidationStats) {
    let mut stats = ConsolidationStats::default();
    let n = window.len();
    let mut buckets: Vec<Bucket> = (0..n).map(|_| Bucket::default()).collect();
    for p in points.iter().filter(|p| window.contains(p.at) && p.price.is_finite() && p.price >= 0.0) {
        let b = &mut buckets[window.index(window.bucket_of(p.at))];
        match p.role {
            ReporterRole::Primary => b.primary.push(p.price),
            ReporterRole::Replica | ReporterRole::Unknown => b.other.push(p.price),
        }
        stats.records += 1;
    }
    let mut slots: Vec<Option<(f64, Source, u32)>> = buckets
        .iter_mut()
        .map(|b| {
            let total = b.primary.len() + b.other.len();
            if total == 0 {
                return None;
            }
            stats.duplicates_removed += (total - 1) as u64;
            let used = if b.primary.is_empty() { &mut b.other } else { &mut b.primary };
            let samples = u32::try_from(used.len()).unwrap_or(u32::MAX);
            Some((median(used), Source::Agent, samples))
        })
        .collect();
    backfill(window, &mut slots, history, &mut stats);
    interpolate(&mut slots, &mut stats);
    let out = window
        .buckets()
        .zip(slots)
        .filter_map(|(bucket_start, s)| {
            s.map(|(price, source, samples)| ConsolidatedPoint { bucket_start, price, source, samples })
        })
        .collect();
    (out, stats)
}

fn backfill(
    window: &Window,
    slots: &mut [Option<(f64, Source, u32)>],
    history: &[HistoryPoint],
    stats: &mut ConsolidationStats,
) {
    if history.is_empty() || slots.iter().all(Option::is_some) {
        return;
    }
    let mut changes: Vec<HistoryPoint> =
        history.iter().copied().filter(|h| h.price.is_finite() && h.price >= 0.0).collect();
    changes.sort_by_key(|h| h.at);
    let mut next = 0;
    let mut in_force: Option<HistoryPoint> = None;
    for (start, slot) in window.buckets().zip(slots.iter_mut()) {
        let end = start + window.bucket;
        while next < changes.len() && changes[next].at < end {
            in_force = Some(changes[next]);
            next += 1;
        }
        if slot.is_some() {
            continue;
        }
        if let Some(h) = in_force.filter(|h| start - h.at <= BACKFILL_MAX_AGE) {
            *slot = Some((h.price, Source::Backfilled, 0));
            stats.backfills_added += 1;
        }
    }
}

fn interpolate(slots: &mut [Option<(f64, Source, u32)>], stats: &mut ConsolidationStats) {
    let mut last_known: Option<(usize, f64)> = None;
    for i in 0..slots.len() {
        let Some((price, _, _)) = slots[i] else { continue };
        if let Some((j, before)) = last_known
            && i - j > 1
        {
            let span = (i - j) as f64;
            for (k, slot) in slots.iter_mut().enumerate().take(i).skip(j + 1) {
                let t = (k - j) as f64 / span;
                *slot = Some((before + (price - before) * t, Source::Interpolated, 0));
                stats.gaps_interpolated += 1;
            }
        }
        last_known = Some((i, price));
    }
}

/// Median; the mean of the middle two for an even count. `values` is non-empty.
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 { values[mid] } else { (values[mid - 1] + values[mid]) / 2.0 }
}
