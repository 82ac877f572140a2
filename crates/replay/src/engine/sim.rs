//! The tick loop: at each tick, the market learns the tick's reclaims and
//! returns; every workload handles its notices (replica promotion, a
//! pending switch taking over, or the emergency rules' replacement), then
//! asks its strategy, then lives through the tick's boots and reclaims in
//! time order and is billed. world.rs holds the model.

use super::ReplayConfig;
use super::emergency_rules::{self, PoolFacts, Step};
use super::market::Market;
use super::strategies::{ReplicaIntent, Strategy, View};
use super::world::{Place, Role, Stats, Timing, Workload};
use crate::trace::Trace;
use spot_domain::decisions::MarketEvent;
use spot_fleet_sim::rng::{SimRng, mix};

/// The workloads of a run, each on the cheapest available pool at the start.
fn workloads(trace: &Trace, cfg: &ReplayConfig) -> Vec<Workload> {
    let groups = trace.groups();
    let mut per_region: Vec<(String, String)> = Vec::new();
    for g in &groups {
        if !per_region.iter().any(|r| r.0 == g.0) {
            per_region.push(g.clone());
        }
    }
    let n = cfg.workloads.unwrap_or(per_region.len()).max(1);
    let order = if cfg.workloads.is_some() { &groups } else { &per_region };
    (0..n)
        .filter_map(|i| {
            let (region, ty) = order.get(i % order.len())?;
            let candidates = trace.pools_of(region, ty);
            let start = candidates
                .iter()
                .copied()
                .filter(|&p| trace.available(0, p))
                .min_by(|&a, &b| trace.spot(0, a).total_cmp(&trace.spot(0, b)))
                .map_or(Place::OnDemand, Place::Spot);
            Some(Workload::new(i, region, ty, candidates, start))
        })
        .collect()
}

struct Run<'a> {
    trace: &'a Trace,
    cfg: &'a ReplayConfig,
    timing: Timing,
    rng: SimRng,
}

impl Run<'_> {
    fn boot(&mut self) -> f64 {
        self.cfg.boot_seconds * self.rng.uniform(0.95, 1.05)
    }

    fn price(&self, k: usize, w: &Workload, place: Place) -> f64 {
        match place {
            Place::Spot(p) => self.trace.spot(k, p),
            Place::OnDemand => w.candidates.first().map_or(0.0, |&p| self.trace.on_demand(k, p)),
        }
    }

    /// Launches the replacement of an interrupted PRIMARY.
    fn emergency(
        &mut self,
        w: &mut Workload,
        market: &Market,
        k: usize,
        t: f64,
        noticed: Option<usize>,
        forced: Option<Place>,
    ) {
        let facts: Vec<PoolFacts> = w
            .candidates
            .iter()
            .map(|&p| PoolFacts {
                pool_id: market.id(p).to_owned(),
                boots: w.boots.get(&p).copied().unwrap_or(0),
                avg_boot_seconds: self.cfg.boot_seconds,
                risk_score: market.risk[p].score,
                recommendation: market.risk[p].recommendation,
            })
            .collect();
        let noticed_id = noticed.map(|p| market.id(p).to_owned());
        let mut delay = 0.0;
        let place = match forced {
            Some(Place::Spot(p)) if !self.trace.available(k, p) => Place::OnDemand,
            Some(place) => place,
            None => loop {
                if w.tried.len() > w.candidates.len() + 1 {
                    break Place::OnDemand;
                }
                match emergency_rules::next_step(&facts, noticed_id.as_deref(), &w.tried) {
                    Step::OnDemand => break Place::OnDemand,
                    Step::Pool(id) => {
                        let p = w.candidates.iter().copied().find(|&p| market.id(p) == id);
                        match p {
                            Some(p) if self.trace.available(k, p) => break Place::Spot(p),
                            _ => {
                                w.tried.push(id);
                                delay += self.timing.launch_fail;
                            }
                        }
                    }
                }
            },
        };
        let boot = self.boot();
        w.launch(place, Role::Replacing, t + delay, boot);
    }

    fn notices(
        &mut self,
        w: &mut Workload,
        market: &Market,
        strategy: &mut dyn Strategy,
        k: usize,
        reclaimed: &[usize],
    ) {
        let t = self.trace.secs(k);
        let hit = |inst: &super::world::Inst| {
            matches!(inst.place, Place::Spot(p) if reclaimed.contains(&p)) && inst.reclaim.is_none()
        };
        let mut lost_replacement = None;
        let mut i = 0;
        while i < w.insts.len() {
            let inst = &w.insts[i];
            if inst.role != Role::Primary && hit(inst) {
                if inst.role == Role::Replacing
                    && let Place::Spot(p) = inst.place
                {
                    w.tried.push(market.id(p).to_owned());
                    lost_replacement = Some(p);
                }
                let price = self.price(k, w, inst.place);
                w.terminate(i, t, price);
                continue;
            }
            i += 1;
        }
        let noticed = w.find(Role::Primary).filter(|&i| hit(&w.insts[i]));
        if let Some(pi) = noticed {
            let pool = w.primary_pool();
            w.insts[pi].reclaim = Some(t + self.timing.notice);
            w.stats.interruptions += 1;
            w.interruption_times.push_back(t);
            w.stats.failovers += 1;
            w.last_failover = Some(t);
            let forced =
                strategy.on_interruption(&View { trace: self.trace, k, t, w, market, cfg: self.cfg });
            let replica = w.find(Role::Replica).filter(|&r| w.insts[r].ready <= t && forced.is_none());
            if let Some(r) = replica {
                let timing = self.timing;
                let old_price = self.price(k, w, w.insts[pi].place);
                w.promote(r, t, &timing, &|_| old_price);
                return;
            }
            w.notice_open = true;
            w.tried.clear();
            match w.find(Role::Switching) {
                Some(s) if forced.is_none() => w.insts[s].role = Role::Replacing,
                Some(s) => {
                    let price = self.price(k, w, w.insts[s].place);
                    w.terminate(s, t, price);
                    self.emergency(w, market, k, t, pool, forced);
                }
                None => self.emergency(w, market, k, t, pool, forced),
            }
        } else if lost_replacement.is_some() && w.notice_open && w.find(Role::Replacing).is_none() {
            let noticed_pool = w.primary_pool();
            self.emergency(w, market, k, t, noticed_pool, None);
        }
    }

    fn decide(&mut self, w: &mut Workload, market: &Market, strategy: &mut dyn Strategy, k: usize) {
        let t = self.trace.secs(k);
        if w.notice_open || w.pending() || w.primary().is_none() {
            return;
        }
        let intent = strategy.decide(&View { trace: self.trace, k, t, w, market, cfg: self.cfg });
        let timing = self.timing;
        if let Some(to) = intent.switch {
            let replica = w.find(Role::Replica).filter(|&r| w.insts[r].place == to && w.insts[r].ready <= t);
            let here = match to {
                Place::Spot(p) => w.primary_pool() == Some(p),
                Place::OnDemand => w.primary_pool().is_none(),
            };
            if let Some(r) = replica {
                let pi = w.find(Role::Primary);
                let old = pi.map_or(0.0, |i| self.price(k, w, w.insts[i].place));
                w.promote(r, t, &timing, &|_| old);
                w.stats.switches += 1;
                w.switch_times.push_back(t);
            } else if !here
                && (to == Place::OnDemand || matches!(to, Place::Spot(p) if self.trace.available(k, p)))
            {
                let boot = self.boot();
                w.launch(to, Role::Switching, t, boot);
            }
        }
        match intent.replica {
            ReplicaIntent::Drop => {
                if let Some(r) = w.find(Role::Replica) {
                    let price = self.price(k, w, w.insts[r].place);
                    w.terminate(r, t, price);
                }
            }
            ReplicaIntent::Create(p) => {
                if w.find(Role::Replica).is_none()
                    && self.trace.available(k, p)
                    && w.primary_pool() != Some(p)
                {
                    let boot = self.boot();
                    w.launch(Place::Spot(p), Role::Replica, t, boot);
                }
            }
            ReplicaIntent::Keep => {}
        }
    }

    /// Boots and reclaims inside `(t, end]`, in time order, then billing.
    fn live_through(&mut self, w: &mut Workload, market: &mut Market, k: usize) {
        let end = self.trace.tick_end(k);
        let timing = self.timing;
        loop {
            let mut next: Option<(f64, usize, bool)> = None;
            for (i, inst) in w.insts.iter().enumerate() {
                let ev = match inst.role {
                    Role::Switching | Role::Replacing if inst.ready <= end => Some((inst.ready, i, true)),
                    Role::Primary => inst.reclaim.filter(|r| *r <= end).map(|r| (r, i, false)),
                    _ => None,
                };
                if let Some(e) = ev
                    && next.is_none_or(|n| e.0 < n.0 || (e.0 == n.0 && e.2 && !n.2))
                {
                    next = Some(e);
                }
            }
            let Some((at, i, ready)) = next else { break };
            if ready {
                let switching = w.insts[i].role == Role::Switching;
                let old = w.find(Role::Primary).map_or(0.0, |p| self.price(k, w, w.insts[p].place));
                market.memory.observe(&MarketEvent::Boot { seconds: self.cfg.boot_seconds });
                w.promote(i, at, &timing, &|_| old);
                if switching {
                    w.stats.switches += 1;
                    w.switch_times.push_back(at);
                }
            } else {
                let price = self.price(k, w, w.insts[i].place);
                w.terminate(i, at, price);
                w.down_since = Some(at);
            }
        }
        for i in 0..w.insts.len() {
            let price = self.price(k, w, w.insts[i].place);
            w.bill(i, end, price);
        }
        let od = self.price(k, w, Place::OnDemand);
        w.stats.on_demand_cost += od * (end - self.trace.secs(k)) / 3600.0;
        let week = 7.0 * 86_400.0;
        while w.switch_times.front().is_some_and(|&x| end - x > week) {
            w.switch_times.pop_front();
        }
        while w.interruption_times.front().is_some_and(|&x| end - x > week) {
            w.interruption_times.pop_front();
        }
    }
}

/// Replays `strategy` over the trace; per-workload counters.
pub fn run(trace: &Trace, cfg: &ReplayConfig, strategy: &mut dyn Strategy) -> Vec<Stats> {
    let mut ws = workloads(trace, cfg);
    let mut market = Market::new(trace);
    market.memory.observe(&MarketEvent::Boot { seconds: cfg.boot_seconds });
    let mut run = Run {
        trace,
        cfg,
        timing: Timing {
            notice: cfg.notice_seconds,
            pause: cfg.pause_seconds,
            launch_fail: cfg.launch_fail_seconds,
        },
        rng: SimRng::seed_from(mix(&[cfg.seed, 0x7265_706C_6179])),
    };
    for k in 0..trace.ticks() {
        let reclaimed = market.observe_tick(trace, k);
        for w in &mut ws {
            if !reclaimed.is_empty() {
                run.notices(w, &market, strategy, k, &reclaimed);
            }
            run.decide(w, &market, strategy, k);
            run.live_through(w, &mut market, k);
        }
    }
    let end = trace.duration_secs();
    ws.into_iter()
        .map(|mut w| {
            if let Some(d) = w.down_since.take() {
                w.stats.downtime_secs += (end - d).max(0.0);
            }
            w.stats
        })
        .collect()
}

/// Always on-demand (`spot = false`) or the hindsight oracle: the cheapest
/// available spot pool at every tick, no interruption ever hurting.
pub fn analytic(trace: &Trace, cfg: &ReplayConfig, spot: bool) -> Vec<Stats> {
    workloads(trace, cfg)
        .into_iter()
        .map(|w| {
            let mut s = Stats::default();
            for k in 0..trace.ticks() {
                let hours = (trace.tick_end(k) - trace.secs(k)) / 3600.0;
                let od = w.candidates.first().map_or(0.0, |&p| trace.on_demand(k, p));
                let best = w
                    .candidates
                    .iter()
                    .filter(|&&p| spot && trace.available(k, p))
                    .map(|&p| trace.spot(k, p))
                    .fold(od, f64::min);
                s.cost += best * hours;
                s.on_demand_cost += od * hours;
            }
            s
        })
        .collect()
}
