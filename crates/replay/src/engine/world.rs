//! One workload in simulated time: its instances (PRIMARY, a replica,
//! one being switched to or replacing an interrupted PRIMARY), billing of
//! every instance while it lives, and downtime whenever no PRIMARY serves.
//!
//! The model (docs/DECISIONS.md): a launch is ready `boot` seconds later;
//! a reclaimed pool's instances get a notice and are gone `notice` seconds
//! later; a ready replica is promoted at the notice; otherwise the
//! replacement's readiness after the notice's end is downtime; every
//! promotion or switch costs the v4 agent's traffic-switch pause; both
//! instances are billed while they overlap.

use std::collections::{HashMap, VecDeque};

/// Where an instance runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Spot(usize),
    OnDemand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Primary,
    Replica,
    /// A voluntary switch's new instance, promoted when ready.
    Switching,
    /// The replacement of an interrupted PRIMARY.
    Replacing,
}

#[derive(Debug, Clone)]
pub struct Inst {
    pub place: Place,
    pub role: Role,
    pub ready: f64,
    pub reclaim: Option<f64>,
    pub billed_until: f64,
}

/// Counters of one workload.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Stats {
    pub cost: f64,
    pub on_demand_cost: f64,
    pub downtime_secs: f64,
    pub interruptions: u32,
    pub failovers: u32,
    pub switches: u32,
    pub replica_hours: f64,
    pub on_demand_hours: f64,
}

/// Timing constants of the model.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub notice: f64,
    pub pause: f64,
    pub launch_fail: f64,
}

#[derive(Debug)]
pub struct Workload {
    pub index: usize,
    pub region: String,
    pub instance_type: String,
    pub candidates: Vec<usize>,
    pub insts: Vec<Inst>,
    pub down_since: Option<f64>,
    /// Pools tried for the open emergency (ids), empty when none is open.
    pub tried: Vec<String>,
    pub notice_open: bool,
    pub primary_since: f64,
    pub pool_since: f64,
    pub last_failover: Option<f64>,
    pub switch_times: VecDeque<f64>,
    pub interruption_times: VecDeque<f64>,
    pub boots: HashMap<usize, u32>,
    pub launches: u64,
    pub stats: Stats,
}

impl Workload {
    pub fn new(
        index: usize,
        region: &str,
        instance_type: &str,
        candidates: Vec<usize>,
        start: Place,
    ) -> Self {
        Self {
            index,
            region: region.to_owned(),
            instance_type: instance_type.to_owned(),
            candidates,
            insts: vec![Inst {
                place: start,
                role: Role::Primary,
                ready: 0.0,
                reclaim: None,
                billed_until: 0.0,
            }],
            down_since: None,
            tried: Vec::new(),
            notice_open: false,
            primary_since: 0.0,
            pool_since: 0.0,
            last_failover: None,
            switch_times: VecDeque::new(),
            interruption_times: VecDeque::new(),
            boots: HashMap::new(),
            launches: 0,
            stats: Stats::default(),
        }
    }

    pub fn find(&self, role: Role) -> Option<usize> {
        self.insts.iter().position(|i| i.role == role)
    }

    pub fn primary(&self) -> Option<&Inst> {
        self.find(Role::Primary).and_then(|i| self.insts.get(i))
    }

    /// The PRIMARY's pool (`None` on on-demand or while down).
    pub fn primary_pool(&self) -> Option<usize> {
        match self.primary()?.place {
            Place::Spot(p) => Some(p),
            Place::OnDemand => None,
        }
    }

    pub fn replica_pool(&self) -> Option<usize> {
        match self.find(Role::Replica).map(|i| self.insts[i].place) {
            Some(Place::Spot(p)) => Some(p),
            _ => None,
        }
    }

    /// A switch or replacement is booting.
    pub fn pending(&self) -> bool {
        self.insts.iter().any(|i| matches!(i.role, Role::Switching | Role::Replacing))
    }

    /// Bills instance `i` up to `t` at `price` per hour.
    pub fn bill(&mut self, i: usize, t: f64, price: f64) {
        if let Some(inst) = self.insts.get_mut(i)
            && t > inst.billed_until
        {
            let hours = (t - inst.billed_until) / 3600.0;
            self.stats.cost += hours * price;
            if inst.role == Role::Replica {
                self.stats.replica_hours += hours;
            }
            if inst.role == Role::Primary && inst.place == Place::OnDemand {
                self.stats.on_demand_hours += hours;
            }
            inst.billed_until = t;
        }
    }

    /// Removes instance `i` after billing it to `t`.
    pub fn terminate(&mut self, i: usize, t: f64, price: f64) {
        self.bill(i, t, price);
        if i < self.insts.len() {
            self.insts.remove(i);
        }
    }

    pub fn launch(&mut self, place: Place, role: Role, at: f64, boot: f64) {
        self.launches += 1;
        self.insts.push(Inst { place, role, ready: at + boot, reclaim: None, billed_until: at });
    }

    /// Makes instance `i` the PRIMARY at `t` (ending the old one).
    pub fn promote(&mut self, i: usize, t: f64, timing: &Timing, price_of: &dyn Fn(Place) -> f64) {
        let old = self.find(Role::Primary).filter(|&o| o != i);
        let Some(inst) = self.insts.get_mut(i) else { return };
        inst.role = Role::Primary;
        if let Place::Spot(p) = inst.place {
            *self.boots.entry(p).or_default() += 1;
        }
        if let Some(o) = old {
            let price = price_of(self.insts[o].place);
            self.terminate(o, t, price);
        }
        match self.down_since.take() {
            Some(d) => self.stats.downtime_secs += (t - d).max(0.0) + timing.pause,
            None => self.stats.downtime_secs += timing.pause,
        }
        self.pool_since = t;
        self.notice_open = false;
        self.tried.clear();
    }
}
