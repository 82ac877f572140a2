//! A market trace: the pools, the ticks, and per tick and pool the spot
//! price, the on-demand price and whether spot capacity is available.
//! Stored tick-major in flat vectors (45 days x 9 pools at 195 s is 180k
//! cells), so the replay reads a tick as one slice.

use chrono::{DateTime, Utc};

/// One spot pool of the trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    pub region: String,
    pub az: String,
    pub instance_type: String,
}

impl Pool {
    /// `<instance_type>.<az>`, the id the services use.
    pub fn id(&self) -> String {
        format!("{}.{}", self.instance_type, self.az)
    }
}

/// The whole market (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub pools: Vec<Pool>,
    pub times: Vec<DateTime<Utc>>,
    /// `spot[tick * pools + pool]`.
    pub spot: Vec<f64>,
    pub on_demand: Vec<f64>,
    pub available: Vec<bool>,
}

impl Trace {
    pub fn ticks(&self) -> usize {
        self.times.len()
    }

    fn at(&self, tick: usize, pool: usize) -> usize {
        tick * self.pools.len() + pool
    }

    pub fn spot(&self, tick: usize, pool: usize) -> f64 {
        self.spot.get(self.at(tick, pool)).copied().unwrap_or(f64::INFINITY)
    }

    pub fn on_demand(&self, tick: usize, pool: usize) -> f64 {
        self.on_demand.get(self.at(tick, pool)).copied().unwrap_or(f64::INFINITY)
    }

    pub fn available(&self, tick: usize, pool: usize) -> bool {
        self.available.get(self.at(tick, pool)).copied().unwrap_or(false)
    }

    /// Seconds from the first tick to `tick`.
    pub fn secs(&self, tick: usize) -> f64 {
        match (self.times.first(), self.times.get(tick)) {
            (Some(a), Some(b)) => (*b - *a).num_milliseconds() as f64 / 1000.0,
            _ => 0.0,
        }
    }

    /// Seconds from the first tick to the end of the last one (the last
    /// tick lasts as long as the one before it).
    pub fn duration_secs(&self) -> f64 {
        let n = self.ticks();
        if n < 2 {
            return 0.0;
        }
        self.secs(n - 1) + (self.secs(n - 1) - self.secs(n - 2))
    }

    /// Start of the tick after `tick` (the trace's end after the last).
    pub fn tick_end(&self, tick: usize) -> f64 {
        if tick + 1 < self.ticks() { self.secs(tick + 1) } else { self.duration_secs() }
    }

    /// Pools of one region and instance type (a workload's candidates).
    pub fn pools_of(&self, region: &str, instance_type: &str) -> Vec<usize> {
        (0..self.pools.len())
            .filter(|&i| self.pools[i].region == region && self.pools[i].instance_type == instance_type)
            .collect()
    }

    /// Distinct `(region, instance_type)` pairs in first-seen order.
    pub fn groups(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for p in &self.pools {
            let key = (p.region.clone(), p.instance_type.clone());
            if !out.contains(&key) {
                out.push(key);
            }
        }
        out
    }
}
