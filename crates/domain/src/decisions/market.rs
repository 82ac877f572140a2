//! What the built-in policy learns online from the market it watches:
//! per pool, the interruptions it saw (as decayed counts over a long and a
//! short horizon, so a burst shows at once and a quiet month is believed),
//! whether the pool is out of capacity now and since when capacity is back,
//! how often a pool relapsed soon after capacity returned, and per AZ the
//! correlated events (several pools of one AZ interrupted together).
//!
//! [`MarketMemory`] is a plain value fed with [`MarketEvent`]s in time order;
//! it never reads the clock. The market replay feeds it from the trace, the
//! decisions service can feed it from its event projections; without any
//! events, [`MarketMemory::default`] knows nothing and the policy falls back
//! to the input's 30-day counts and risk scores. docs/DECISIONS.md explains
//! the estimates.

use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};

/// Interruptions older than this are forgotten.
const RETENTION_HOURS: f64 = 30.0 * 24.0;
/// Interruptions of two pools of one AZ this close count as one AZ event.
const CORRELATION_SECONDS: i64 = 600;

/// Something the market did.
#[derive(Debug, Clone, PartialEq)]
pub enum MarketEvent {
    /// Spot capacity of `pool` was reclaimed (a termination notice there).
    Interruption { pool: String, at: DateTime<Utc> },
    /// `pool` accepts spot launches again.
    CapacityReturned { pool: String, at: DateTime<Utc> },
    /// A launch became ready after `seconds`.
    Boot { seconds: f64 },
}

#[derive(Debug, Clone, Default)]
struct PoolMemory {
    interruptions: VecDeque<DateTime<Utc>>,
    out_since: Option<DateTime<Utc>>,
    returned_at: Option<DateTime<Utc>>,
    returns: u32,
    relapses: u32,
}

/// The online estimates (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct MarketMemory {
    pools: HashMap<String, PoolMemory>,
    az_events: HashMap<String, VecDeque<DateTime<Utc>>>,
    started: Option<DateTime<Utc>>,
    boot_seconds: Option<f64>,
}

/// What the memory says about one pool at one instant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PoolOutlook {
    /// Capacity is out now (interrupted and not back).
    pub out: bool,
    /// Learned interruptions per hour: the larger of the long-horizon rate,
    /// the recent (burst) rate, the AZ's correlated-event rate and the
    /// relapse hazard after a recent return, plus nothing when unseen.
    pub rate_per_hour: f64,
    /// Hours of watching behind the estimate.
    pub exposure_hours: f64,
}

/// AZ of a pool id `<instance_type>.<az>` (the part after the last dot).
pub fn az_of(pool: &str) -> &str {
    pool.rsplit_once('.').map_or(pool, |(_, az)| az)
}

/// Exponentially decayed count of `times` at `now` with time constant `tau_h`.
fn decayed(times: &VecDeque<DateTime<Utc>>, now: DateTime<Utc>, tau_h: f64) -> f64 {
    times.iter().map(|t| (-hours(*t, now) / tau_h).exp()).sum()
}

fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    ((to - from).num_seconds().max(0)) as f64 / 3600.0
}

/// Rate per hour of a decayed count over the decayed exposure, with a
/// prior of `prior_rate` worth `prior_hours` of watching.
fn rate(count: f64, exposure_h: f64, tau_h: f64, prior_rate: f64, prior_hours: f64) -> f64 {
    let exposure = tau_h * (1.0 - (-exposure_h / tau_h).exp());
    (count + prior_rate * prior_hours) / (exposure + prior_hours)
}

impl MarketMemory {
    /// Learns from one event (events must come in time order).
    pub fn observe(&mut self, event: &MarketEvent) {
        match event {
            MarketEvent::Interruption { pool, at } => self.interruption(pool, *at),
            MarketEvent::CapacityReturned { pool, at } => {
                self.started.get_or_insert(*at);
                let p = self.pools.entry(pool.clone()).or_default();
                if p.out_since.take().is_some() {
                    p.returned_at = Some(*at);
                    p.returns += 1;
                }
            }
            MarketEvent::Boot { seconds } if seconds.is_finite() && *seconds >= 0.0 => {
                self.boot_seconds = Some(match self.boot_seconds {
                    Some(b) => 0.8 * b + 0.2 * seconds,
                    None => *seconds,
                });
            }
            MarketEvent::Boot { .. } => {}
        }
    }

    /// Starts the exposure clock without any event (the replay's first tick).
    pub fn start(&mut self, at: DateTime<Utc>) {
        self.started.get_or_insert(at);
    }

    fn interruption(&mut self, pool: &str, at: DateTime<Utc>) {
        self.started.get_or_insert(at);
        let az = az_of(pool).to_owned();
        let correlated = self.pools.iter().any(|(id, m)| {
            id != pool
                && az_of(id) == az
                && m.interruptions
                    .back()
                    .is_some_and(|t| (at - *t).num_seconds().abs() <= CORRELATION_SECONDS)
        });
        let p = self.pools.entry(pool.to_owned()).or_default();
        if p.returned_at.is_some_and(|r| hours(r, at) <= 6.0) && p.out_since.is_none() {
            p.relapses += 1;
        }
        p.interruptions.push_back(at);
        p.out_since.get_or_insert(at);
        while p.interruptions.front().is_some_and(|t| hours(*t, at) > RETENTION_HOURS) {
            p.interruptions.pop_front();
        }
        if correlated {
            let events = self.az_events.entry(az).or_default();
            if events.back().is_none_or(|t| (at - *t).num_seconds() > CORRELATION_SECONDS) {
                events.push_back(at);
            }
            while events.front().is_some_and(|t| hours(*t, at) > RETENTION_HOURS) {
                events.pop_front();
            }
        }
    }

    /// Measured boot time, when any boot was seen.
    pub fn boot_seconds(&self) -> Option<f64> {
        self.boot_seconds
    }

    /// Hours since the memory started watching.
    pub fn exposure_hours(&self, now: DateTime<Utc>) -> f64 {
        self.started.map_or(0.0, |s| hours(s, now))
    }

    /// The outlook of `pool` at `now`; `prior_rate` is what the caller
    /// believes without evidence (from pricing's counts and risk score).
    pub fn outlook(&self, pool: &str, now: DateTime<Utc>, prior_rate: f64) -> PoolOutlook {
        let exposure = self.exposure_hours(now);
        let az = self
            .az_events
            .get(az_of(pool))
            .map_or(0.0, |e| rate(decayed(e, now, 240.0), exposure, 240.0, 0.0, 72.0));
        let Some(p) = self.pools.get(pool) else {
            let prior = rate(0.0, exposure, 240.0, prior_rate, 72.0);
            return PoolOutlook { out: false, rate_per_hour: prior.max(az), exposure_hours: exposure };
        };
        let long = rate(decayed(&p.interruptions, now, 240.0), exposure, 240.0, prior_rate, 72.0);
        let short = rate(decayed(&p.interruptions, now, 12.0), exposure, 12.0, prior_rate, 12.0);
        // After capacity returns, the pool's own relapse share (with a
        // prior of one relapse in two returns) spread over six hours.
        let relapse = match p.returned_at {
            Some(r) if hours(r, now) < 6.0 => {
                (f64::from(p.relapses) + 1.0) / (f64::from(p.returns) + 2.0) / 6.0
            }
            _ => 0.0,
        };
        PoolOutlook {
            out: p.out_since.is_some(),
            rate_per_hour: long.max(short).max(az).max(relapse),
            exposure_hours: exposure,
        }
    }
}
