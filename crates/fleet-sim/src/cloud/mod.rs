//! The simulated cloud: pools with spot price traces, on-demand prices,
//! instance launch (ready after a boot time) and termination, spot
//! interruptions (per-pool Poisson rate, some preceded by a rebalance
//! recommendation), and mass events that reclaim a whole AZ.
//!
//! The cloud is plain data advanced explicitly with [`Cloud::advance_to`]
//! (every call taking a `now` advances first). Everything random comes from
//! streams derived from the seed and stable keys (pool index, AZ index,
//! [`LaunchKey`]), so the same seed and the same calls give the same pools,
//! prices and interruption schedule.

mod config;
mod events;
mod instance;
mod pool;
mod process;

pub use config::{CloudConfig, InstanceTypeSpec, MassEventSpec};
pub use events::{CloudEvent, EventLog};
pub use instance::{Instance, InstanceState, LaunchKey, LaunchRequest, Market, Metadata, TerminationReason};
pub use pool::{Pool, PoolId, PriceModel};

use crate::clock::SimTime;
use crate::error::SimError;
use crate::rng::{SimRng, Stream, mix};
use events::{Due, Schedule};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A cloud shared by the agents of a fleet (locked briefly, never across I/O).
pub type SharedCloud = Arc<Mutex<Cloud>>;

/// Why a cloud call was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    /// No such pool (unknown type or AZ).
    #[error("unknown pool {0}")]
    UnknownPool(String),
    /// No such instance (never existed or forgotten).
    #[error("unknown instance {0}")]
    UnknownInstance(String),
    /// The AZ has no spot capacity right now (after a mass event).
    #[error("insufficient spot capacity in {0}")]
    InsufficientCapacity(String),
    /// The launch key was used before.
    #[error("duplicate launch key for instance {0}")]
    DuplicateLaunch(String),
}

/// Counters of what the cloud did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CloudStats {
    /// Successful launches.
    pub launches: u64,
    /// Refused launches.
    pub launch_failures: u64,
    /// Termination notices issued (each is an interruption).
    pub interruptions: u64,
    /// Rebalance recommendations issued.
    pub rebalances: u64,
    /// Mass events.
    pub mass_events: u64,
    /// Instances terminated (requested or interrupted).
    pub terminations: u64,
}

/// The simulated cloud of one region.
#[derive(Debug)]
pub struct Cloud {
    cfg: CloudConfig,
    pools: Vec<Pool>,
    pool_index: HashMap<PoolId, usize>,
    instances: BTreeMap<String, Instance>,
    schedule: Schedule,
    log: EventLog,
    now: SimTime,
    price_ticks: u64,
    az_rngs: Vec<SimRng>,
    outage_until: Vec<SimTime>,
    stats: CloudStats,
}

impl Cloud {
    /// Builds the cloud at simulated time zero.
    pub fn new(cfg: CloudConfig) -> Result<Self, SimError> {
        cfg.validate()?;
        let mut pools = Vec::new();
        for ty in &cfg.instance_types {
            for az in &cfg.azs {
                let index = pools.len();
                pools.push(Pool::new(cfg.seed, index, PoolId::new(&ty.name, az), ty.on_demand_price, &cfg));
            }
        }
        let pool_index = pools.iter().map(|p| (p.id.clone(), p.index)).collect();
        let az_rngs = (0..cfg.azs.len()).map(|i| SimRng::stream(cfg.seed, Stream::Az, i as u64)).collect();
        let mut cloud = Cloud {
            pools,
            pool_index,
            instances: BTreeMap::new(),
            schedule: Schedule::default(),
            log: EventLog::new(cfg.event_log_capacity),
            now: SimTime::ZERO,
            price_ticks: 0,
            az_rngs,
            outage_until: vec![SimTime::ZERO; cfg.azs.len()],
            stats: CloudStats::default(),
            cfg,
        };
        cloud.schedule_mass_events();
        Ok(cloud)
    }

    /// Wraps the cloud for sharing.
    pub fn shared(self) -> SharedCloud {
        Arc::new(Mutex::new(self))
    }

    /// The configuration it was built with.
    pub fn config(&self) -> &CloudConfig {
        &self.cfg
    }

    /// Region name.
    pub fn region(&self) -> &str {
        &self.cfg.region
    }

    /// How far the cloud has been advanced.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Every pool, type-major in configuration order.
    pub fn pools(&self) -> &[Pool] {
        &self.pools
    }

    /// One pool.
    pub fn pool(&self, id: &PoolId) -> Option<&Pool> {
        self.pool_index.get(id).and_then(|&i| self.pools.get(i))
    }

    /// The pools of one instance type, in AZ order (the "neighbours" an agent reports).
    pub fn pools_of_type<'a>(&'a self, instance_type: &'a str) -> impl Iterator<Item = &'a Pool> + 'a {
        self.pools.iter().filter(move |p| p.id.instance_type == instance_type)
    }

    /// The current spot price of a pool.
    pub fn spot_price(&self, id: &PoolId) -> Option<f64> {
        self.pool(id).map(Pool::price)
    }

    /// The on-demand price of an instance type.
    pub fn on_demand_price(&self, instance_type: &str) -> Option<f64> {
        self.cfg.instance_types.iter().find(|t| t.name == instance_type).map(|t| t.on_demand_price)
    }

    /// An instance (terminated ones are kept for `retention`).
    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.instances.get(id)
    }

    /// Every known instance, by id.
    pub fn instances(&self) -> impl Iterator<Item = &Instance> {
        self.instances.values()
    }

    /// The metadata the agent on `id` sees.
    pub fn metadata(&self, id: &str) -> Option<Metadata> {
        self.instances.get(id).map(Instance::metadata)
    }

    /// The event log.
    pub fn events(&self) -> &EventLog {
        &self.log
    }

    /// Removes and returns the logged events.
    pub fn drain_events(&mut self) -> Vec<CloudEvent> {
        self.log.drain()
    }

    /// Counters.
    pub fn stats(&self) -> CloudStats {
        self.stats
    }

    /// Launches an instance that becomes ready after its pool's boot time.
    pub fn launch(&mut self, req: &LaunchRequest, now: SimTime) -> Result<Instance, CloudError> {
        self.start(req, now, false)
    }

    /// Adds an instance that is already running (the fleet's starting state).
    pub fn launch_running(&mut self, req: &LaunchRequest, now: SimTime) -> Result<Instance, CloudError> {
        self.start(req, now, true)
    }

    /// Terminates an instance at `now` (idempotent); returns when it ended.
    pub fn terminate(&mut self, id: &str, now: SimTime) -> Result<SimTime, CloudError> {
        self.advance_to(now);
        let inst = self.instances.get(id).ok_or_else(|| CloudError::UnknownInstance(id.to_owned()))?;
        if let Some((at, _)) = inst.terminated {
            return Ok(at);
        }
        self.end(id, TerminationReason::Requested);
        Ok(self.now)
    }

    /// Starts an image of an instance; returns the image id and when it is available.
    pub fn create_image(&mut self, id: &str, now: SimTime) -> Result<(String, SimTime), CloudError> {
        self.advance_to(now);
        let inst = self.instances.get(id).ok_or_else(|| CloudError::UnknownInstance(id.to_owned()))?;
        let mut rng = SimRng::seed_from(mix(&[self.cfg.seed, inst.key.0, 0x696D_6167, now.as_micros()]));
        let (lo, hi) = self.cfg.image_creation;
        let took = Duration::from_secs_f64(rng.uniform(lo.as_secs_f64(), hi.as_secs_f64()));
        Ok((format!("ami-{}", rng.hex(17)), self.now + took))
    }

    fn start(&mut self, req: &LaunchRequest, now: SimTime, running: bool) -> Result<Instance, CloudError> {
        self.advance_to(now);
        let pool_id = req.pool();
        let pool = self.pool(&pool_id).ok_or_else(|| CloudError::UnknownPool(pool_id.to_string()))?;
        let az_index = self.cfg.azs.iter().position(|a| *a == req.az).unwrap_or(0);
        if req.market == Market::Spot && self.outage_until.get(az_index).is_some_and(|&t| self.now < t) {
            self.stats.launch_failures += 1;
            self.log.push(CloudEvent::LaunchFailed { at: self.now, pool: pool_id });
            return Err(CloudError::InsufficientCapacity(req.az.clone()));
        }
        // Every draw happens in a fixed order whatever the market, so the
        // fate of a launch key never depends on its options.
        let mut rng = SimRng::stream(self.cfg.seed, Stream::Instance, req.key.0);
        let id = format!("i-{}", rng.hex(17));
        if self.instances.contains_key(&id) {
            return Err(CloudError::DuplicateLaunch(id));
        }
        let boot = pool.draw_boot(&mut rng);
        let life_hours = rng.exp(pool.interruption_rate_per_hour);
        let warned = rng.chance(self.cfg.rebalance_probability);
        let lead =
            rng.uniform(self.cfg.rebalance_lead.0.as_secs_f64(), self.cfg.rebalance_lead.1.as_secs_f64());
        let fresh_ami = format!("ami-{}", rng.hex(17));
        let private_ip = format!("10.{}.{}.{}", rng.below(256), rng.below(256), 1 + rng.below(254));
        let public_ip = format!("54.{}.{}.{}", rng.below(256), rng.below(256), 1 + rng.below(254));
        let has_public = rng.chance(self.cfg.public_ip_share);

        let ready_at = if running { self.now } else { self.now + boot };
        let inst = Instance {
            id: id.clone(),
            key: req.key,
            instance_type: req.instance_type.clone(),
            az: req.az.clone(),
            market: req.market,
            ami_id: req.ami_id.clone().unwrap_or(fresh_ami),
            private_ip,
            public_ip: has_public.then_some(public_ip),
            launched_at: self.now,
            ready_at,
            state: if running { InstanceState::Running } else { InstanceState::Pending },
            rebalance_at: None,
            notice: None,
            terminated: None,
        };
        if req.market == Market::Spot && life_hours.is_finite() && life_hours < 1e5 {
            let notice_at = ready_at + Duration::from_secs_f64(life_hours * 3600.0);
            if warned {
                // Pushed first so that at equal times the recommendation still comes first.
                let at = SimTime::from_secs_f64((notice_at.as_secs_f64() - lead).max(ready_at.as_secs_f64()));
                self.schedule.push(at, Due::Rebalance(id.clone()));
            }
            self.schedule.push(notice_at, Due::Notice(id.clone()));
        }
        self.stats.launches += 1;
        self.log.push(CloudEvent::Launched {
            at: self.now,
            instance_id: id.clone(),
            pool: pool_id,
            market: req.market,
            ready_at,
        });
        if running {
            self.log.push(CloudEvent::Ready { at: self.now, instance_id: id.clone() });
        } else {
            self.schedule.push(ready_at, Due::Ready(id.clone()));
        }
        self.instances.insert(id, inst.clone());
        Ok(inst)
    }
}
