//! What the control plane knows about the market during a replay, built
//! only from the trace up to the current tick: the policy's online memory
//! (fed every reclaim and return of capacity), 30-day interruption counts
//! and pricing's risk assessment (the pricing service's code, every 15
//! minutes over 24 h of prices), and the [`DecisionInput`] the decisions
//! service would build for a group.

use crate::trace::Trace;
use chrono::Duration;
use spot_domain::decisions::{
    DecisionInput, DecisionSettings, History, INPUT_SCHEMA_VERSION, InstanceFeatures, MarketEvent,
    MarketMemory, PointSource, PoolWindow, PricePoint, RiskLevel,
};
use spot_domain::pricing::{Recommendation, RiskInputs, assess};
use std::collections::VecDeque;

/// Pricing's risk refresh period.
const RISK_EVERY_SECS: f64 = 900.0;

#[derive(Debug, Clone, Copy)]
pub struct Risk {
    pub level: RiskLevel,
    pub score: Option<f64>,
    pub recommendation: Option<Recommendation>,
}

/// Per-run market knowledge.
#[derive(Debug)]
pub struct Market {
    pub memory: MarketMemory,
    interruptions: Vec<VecDeque<f64>>,
    pub risk: Vec<Risk>,
    risk_at: f64,
    ids: Vec<String>,
    /// Seconds of every tick from the start (chrono arithmetic is costly in
    /// the per-tick loops).
    secs: Vec<f64>,
}

impl Market {
    pub fn new(trace: &Trace) -> Self {
        let n = trace.pools.len();
        let mut memory = MarketMemory::default();
        if let Some(t0) = trace.times.first() {
            memory.start(*t0);
        }
        Self {
            memory,
            interruptions: vec![VecDeque::new(); n],
            risk: vec![Risk { level: RiskLevel::Unknown, score: None, recommendation: None }; n],
            risk_at: f64::NEG_INFINITY,
            ids: trace.pools.iter().map(|p| p.id()).collect(),
            secs: (0..trace.ticks()).map(|k| trace.secs(k)).collect(),
        }
    }

    pub fn id(&self, pool: usize) -> &str {
        self.ids.get(pool).map_or("", String::as_str)
    }

    /// Learns tick `k`'s changes of availability; returns the pools
    /// reclaimed at this tick.
    pub fn observe_tick(&mut self, trace: &Trace, k: usize) -> Vec<usize> {
        let Some(&now) = trace.times.get(k) else { return Vec::new() };
        let t = self.secs.get(k).copied().unwrap_or_default();
        let mut reclaimed = Vec::new();
        for p in 0..trace.pools.len() {
            let before = if k == 0 { true } else { trace.available(k - 1, p) };
            let after = trace.available(k, p);
            if before && !after {
                reclaimed.push(p);
                self.memory.observe(&MarketEvent::Interruption { pool: self.ids[p].clone(), at: now });
                let q = &mut self.interruptions[p];
                q.push_back(t);
                while q.front().is_some_and(|x| t - x > 30.0 * 86_400.0) {
                    q.pop_front();
                }
            } else if !before && after {
                self.memory.observe(&MarketEvent::CapacityReturned { pool: self.ids[p].clone(), at: now });
            }
        }
        if t - self.risk_at >= RISK_EVERY_SECS {
            self.risk_at = t;
            self.assess(trace, k);
        }
        reclaimed
    }

    fn assess(&mut self, trace: &Trace, k: usize) {
        let t = self.secs.get(k).copied().unwrap_or_default();
        let first = self.first_since(k, t - 86_400.0);
        for p in 0..trace.pools.len() {
            let prices: Vec<f64> = (first..=k).map(|j| trace.spot(j, p)).collect();
            let inputs = RiskInputs {
                prices_24h: prices,
                interruptions_30d: self.interruptions_30d(p),
                on_demand_price: Some(trace.on_demand(k, p)),
            };
            self.risk[p] = match assess(&inputs) {
                Some(r) => Risk {
                    level: RiskLevel::parse(r.recommendation.as_str()),
                    score: Some(r.score),
                    recommendation: Some(r.recommendation),
                },
                None => Risk { level: RiskLevel::Unknown, score: None, recommendation: None },
            };
        }
    }

    /// First tick at or after `since` seconds, searching back from `k`.
    fn first_since(&self, k: usize, since: f64) -> usize {
        let upto = self.secs.get(..=k).unwrap_or(&[]);
        upto.partition_point(|&s| s < since).min(k)
    }

    pub fn interruptions_30d(&self, pool: usize) -> u32 {
        self.interruptions.get(pool).map_or(0, |q| u32::try_from(q.len()).unwrap_or(u32::MAX))
    }

    /// The window of `pool` over the last `hours` (agent-reported points).
    pub fn window(&self, trace: &Trace, k: usize, pool: usize, hours: i64) -> PoolWindow {
        let t = self.secs.get(k).copied().unwrap_or_default();
        let first = self.first_since(k, t - hours as f64 * 3600.0);
        let points = (first..=k)
            .map(|j| PricePoint {
                at: trace.times[j],
                price: trace.spot(j, pool),
                source: PointSource::Agent,
            })
            .collect();
        let r = self.risk[pool];
        PoolWindow {
            pool_id: self.ids[pool].clone(),
            risk: r.level,
            risk_score: r.score,
            interruptions_30d: self.interruptions_30d(pool),
            points,
        }
    }
}

/// The group as the decision input describes it.
#[derive(Debug, Clone)]
pub struct GroupFacts<'a> {
    pub index: usize,
    pub region: &'a str,
    pub instance_type: &'a str,
    /// Pool of the PRIMARY, `None` on on-demand.
    pub pool: Option<usize>,
    pub uptime_hours: f64,
    pub hours_in_pool: f64,
    pub switches_last_week: u32,
    pub interruptions_7d: u32,
    pub last_failover_secs: Option<f64>,
    pub return_to_spot: bool,
}

/// The decisions service's input for a group at tick `k`.
pub fn decision_input(
    trace: &Trace,
    market: &Market,
    k: usize,
    candidates: &[usize],
    g: &GroupFacts<'_>,
    settings: &DecisionSettings,
    horizon_hours: i64,
) -> DecisionInput {
    let now = trace.times.get(k).copied().unwrap_or_default();
    let t0 = trace.times.first().copied().unwrap_or_default();
    let od = candidates.first().map_or(f64::INFINITY, |&p| trace.on_demand(k, p));
    let current_price = g.pool.map_or(od, |p| trace.spot(k, p));
    DecisionInput {
        schema_version: INPUT_SCHEMA_VERSION,
        group_id: uuid::Uuid::from_u128(g.index as u128 + 1),
        now,
        instance: InstanceFeatures {
            role: "PRIMARY".into(),
            instance_type: g.instance_type.to_owned(),
            region: g.region.to_owned(),
            az: g.pool.map(|p| trace.pools[p].az.clone()).unwrap_or_default(),
            mode: if g.pool.is_some() { "spot" } else { "ondemand" }.into(),
            pool_id: g.pool.map(|p| market.id(p).to_owned()),
            uptime_hours: g.uptime_hours,
            hours_in_pool: g.hours_in_pool,
            cost_delta_per_hour: current_price - od,
        },
        on_demand_price: od,
        candidates: candidates.iter().map(|&p| market.window(trace, k, p, horizon_hours)).collect(),
        settings: settings.clone(),
        history: History {
            switches_last_week: g.switches_last_week,
            interruptions_7d: g.interruptions_7d,
            notice_open: false,
            command_pending: false,
            last_failover_at: g.last_failover_secs.map(|s| t0 + Duration::milliseconds((s * 1000.0) as i64)),
            return_to_spot: g.return_to_spot,
        },
    }
}
