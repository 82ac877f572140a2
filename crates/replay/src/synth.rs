//! Seeded market traces from the fleet simulator's cloud: its spot price
//! process (mean-reverting with spikes) and its random AZ reclaims (every
//! pool of an AZ out of capacity at once, for the cloud's capacity outage)
//! give prices and correlated outages; on top, each pool has its own
//! reclaim rate (log-uniform, so most pools are calm and a few are hot),
//! bursts (hours during which the pool's rate is multiplied) and relapses
//! (a pool whose capacity just returned is likelier to lose it again).
//! [`Churn`] scales all of it. Same config, same trace.

use crate::trace::{Pool, Trace};
use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use spot_fleet_sim::cloud::{Cloud, CloudConfig, CloudEvent, InstanceTypeSpec};
use spot_fleet_sim::rng::{SimRng, mix};
use spot_fleet_sim::{SimError, SimTime};
use std::time::Duration;

/// How turbulent the market is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Churn {
    Low,
    Medium,
    High,
}

impl Churn {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "low" => Some(Self::Low),
            "medium" => Some(Self::Medium),
            "high" => Some(Self::High),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

/// The shape of one churn level.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChurnParams {
    /// Range of per-pool reclaim rates per hour (log-uniform).
    pub reclaim_rate: (f64, f64),
    /// Mean time a reclaimed pool stays out, minutes.
    pub outage_minutes: f64,
    /// Bursts per pool and day, their length in hours and rate factor.
    pub bursts_per_day: f64,
    pub burst_hours: f64,
    pub burst_factor: f64,
    /// Whole-AZ reclaims per day, region-wide, and how long capacity stays out.
    pub az_events_per_day: f64,
    pub az_outage_minutes: u64,
    /// Rate factor and length (hours) after capacity returns.
    pub relapse_factor: f64,
    pub relapse_hours: f64,
}

impl Churn {
    pub fn params(self) -> ChurnParams {
        let base = ChurnParams {
            reclaim_rate: (0.01, 0.04),
            outage_minutes: 20.0,
            bursts_per_day: 0.03,
            burst_hours: 6.0,
            burst_factor: 8.0,
            az_events_per_day: 0.15,
            az_outage_minutes: 45,
            relapse_factor: 4.0,
            relapse_hours: 3.0,
        };
        match self {
            Self::Low => base,
            Self::Medium => ChurnParams {
                reclaim_rate: (0.02, 0.08),
                outage_minutes: 30.0,
                bursts_per_day: 0.06,
                burst_hours: 8.0,
                az_events_per_day: 0.3,
                az_outage_minutes: 60,
                ..base
            },
            Self::High => ChurnParams {
                reclaim_rate: (0.04, 0.2),
                outage_minutes: 40.0,
                bursts_per_day: 0.1,
                burst_hours: 12.0,
                burst_factor: 10.0,
                az_events_per_day: 0.8,
                az_outage_minutes: 120,
                ..base
            },
        }
    }
}

/// What to synthesize.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    pub seed: u64,
    pub days: f64,
    pub tick_seconds: u64,
    pub churn: Churn,
    pub region: String,
    /// AZ suffixes, e.g. `a`, `b`, `c`.
    pub azs: Vec<String>,
    /// Instance types and their on-demand prices.
    pub instance_types: Vec<(String, f64)>,
    pub start: DateTime<Utc>,
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            days: 45.0,
            tick_seconds: 195,
            churn: Churn::Medium,
            region: "us-east-1".into(),
            azs: ["a", "b", "c"].iter().map(|s| (*s).to_owned()).collect(),
            instance_types: vec![
                ("m5.large".into(), 0.096),
                ("c5.large".into(), 0.085),
                ("r5.large".into(), 0.126),
            ],
            start: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap_or_default(),
        }
    }
}

struct PoolState {
    rate: f64,
    out_until: f64,
    burst_until: f64,
    returned_at: f64,
    rng: SimRng,
}

/// Builds the trace.
pub fn synthesize(cfg: &SynthConfig) -> Result<Trace, SimError> {
    let c = cfg.churn.params();
    let azs: Vec<String> = cfg.azs.iter().map(|a| format!("{}{a}", cfg.region)).collect();
    let mut cloud = Cloud::new(CloudConfig {
        seed: cfg.seed,
        region: cfg.region.clone(),
        azs: azs.clone(),
        instance_types: cfg.instance_types.iter().map(|(n, p)| InstanceTypeSpec::new(n, *p)).collect(),
        price_tick: Duration::from_secs(cfg.tick_seconds.max(1)),
        mass_events_per_day: c.az_events_per_day,
        capacity_outage: Duration::from_secs(c.az_outage_minutes * 60),
        event_log_capacity: 10_000,
        ..CloudConfig::default()
    })?;
    let pools: Vec<Pool> = cloud
        .pools()
        .iter()
        .map(|p| Pool {
            region: cfg.region.clone(),
            az: p.id.az.clone(),
            instance_type: p.id.instance_type.clone(),
        })
        .collect();
    let mut state: Vec<PoolState> = (0..pools.len())
        .map(|i| {
            let mut rng = SimRng::seed_from(mix(&[cfg.seed, 0x7265_706C_6179, i as u64]));
            let (lo, hi) = c.reclaim_rate;
            let rate = (lo.ln() + (hi.ln() - lo.ln()) * rng.unit()).exp();
            PoolState { rate, out_until: 0.0, burst_until: 0.0, returned_at: f64::NEG_INFINITY, rng }
        })
        .collect();
    let mut az_out_until = vec![0.0f64; azs.len()];
    let dt = cfg.tick_seconds.max(1) as f64;
    let ticks = ((cfg.days * 86_400.0) / dt).ceil() as usize;
    let n = pools.len();
    let mut trace = Trace {
        pools,
        times: Vec::with_capacity(ticks),
        spot: Vec::with_capacity(ticks * n),
        on_demand: Vec::with_capacity(ticks * n),
        available: Vec::with_capacity(ticks * n),
    };
    for k in 0..ticks {
        let t = k as f64 * dt;
        cloud.advance_to(SimTime::from_secs_f64(t));
        for ev in cloud.drain_events() {
            if let CloudEvent::MassInterruption { az, at, .. } = ev
                && let Some(i) = azs.iter().position(|a| *a == az)
            {
                az_out_until[i] = at.as_secs_f64() + (c.az_outage_minutes * 60) as f64;
            }
        }
        trace.times.push(cfg.start + ChronoDuration::milliseconds((t * 1000.0) as i64));
        let snapshot: Vec<(f64, f64)> = cloud.pools().iter().map(|p| (p.price(), p.on_demand)).collect();
        for (i, (price, od)) in snapshot.into_iter().enumerate() {
            let p = &mut state[i];
            if p.rng.chance(c.bursts_per_day * dt / 86_400.0) {
                p.burst_until = t + c.burst_hours * 3600.0;
            }
            let mut hazard = p.rate;
            if t < p.burst_until {
                hazard *= c.burst_factor;
            }
            if t - p.returned_at < c.relapse_hours * 3600.0 {
                hazard *= c.relapse_factor;
            }
            let was_out = t < p.out_until + dt && p.out_until > 0.0 && t >= p.out_until;
            if was_out {
                p.returned_at = t;
            }
            if t >= p.out_until && p.rng.chance(1.0 - (-hazard * dt / 3600.0).exp()) {
                p.out_until = t + (p.rng.exp(1.0 / (c.outage_minutes * 60.0))).max(dt);
            }
            let az = azs.iter().position(|a| *a == trace.pools[i].az).unwrap_or(0);
            let available = t >= p.out_until && t >= az_out_until[az];
            trace.spot.push(price.min(od * 0.99).max(0.0001));
            trace.on_demand.push(od);
            trace.available.push(available);
        }
    }
    Ok(trace)
}
