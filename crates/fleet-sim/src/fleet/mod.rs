//! Running many thousands of simulated agents in one process against a
//! gateway: tenants (created through the admin API or given), a simulated
//! cloud with one running instance per agent, a single scheduler task, a
//! shared pooled `reqwest::Client`, and live statistics.
//!
//! ```ignore
//! let fleet = Fleet::start(FleetConfig { agents: 5000, admin_token: Some(t), ..Default::default() }).await?;
//! let snap = fleet.snapshot();          // any time, cheap
//! let last = fleet.shutdown(true).await?; // shutdown heartbeats, final numbers
//! ```

mod config;
mod driver;
pub mod http;
pub mod population;
pub mod tenants;

pub use config::FleetConfig;
pub use tenants::{Tenant, create_tenant, create_tenants};

use crate::agent::Behaviour;
use crate::clock::SimClock;
use crate::cloud::{Cloud, CloudStats, SharedCloud};
use crate::error::SimError;
use crate::stats::{FleetStats, StatsSnapshot};
use driver::{Driver, Signal};
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Statistics plus the simulated world's state at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct FleetSnapshot {
    /// Simulated seconds since the start.
    pub sim_secs: f64,
    /// Speed factor.
    pub speed: f64,
    /// Agent and HTTP statistics.
    pub stats: StatsSnapshot,
    /// What the cloud did.
    pub cloud: CloudStats,
    /// Instances pending or running.
    pub instances_alive: usize,
}

/// A running fleet.
#[derive(Debug)]
pub struct Fleet {
    clock: SimClock,
    cloud: SharedCloud,
    stats: Arc<FleetStats>,
    tenants: Vec<Tenant>,
    signal: watch::Sender<Signal>,
    task: JoinHandle<()>,
}

impl Fleet {
    /// Creates the tenants (unless tokens are given), builds the cloud and
    /// the initial instances, and starts the agents. Must run inside a tokio
    /// runtime.
    pub async fn start(config: FleetConfig) -> Result<Fleet, SimError> {
        config.validate()?;
        let client = http::client(config.connections, config.request_timeout)?;
        let tenants = match (&config.tenant_tokens[..], &config.admin_token) {
            ([], Some(admin)) => {
                let (base, prefix) = (&config.base_url, &config.tenant_name_prefix);
                create_tenants(&client, base, admin, prefix, config.seed, config.tenants).await?
            }
            (tokens, _) => tokens.iter().map(|t| Tenant { id: String::new(), token: t.clone() }).collect(),
        };
        let mut cloud_cfg = config.cloud.clone();
        cloud_cfg.seed = config.seed;
        let mut cloud = Cloud::new(cloud_cfg)?;
        let behaviour = Arc::new(Behaviour { jitter: config.jitter, ..config.behaviour.clone() });
        let plan = population::PopulationPlan {
            seed: config.seed,
            agents: config.agents,
            tokens: tenants.iter().map(|t| Arc::from(t.token.as_str())).collect(),
            typed_share: config.typed_share,
            on_demand_share: config.on_demand_share,
            ramp_up: config.ramp_up,
            behaviour,
        };
        let specs = population::populate(&plan, &mut cloud)?;
        let cloud = cloud.shared();
        let clock = SimClock::new(config.speed)?;
        let stats = Arc::new(FleetStats::default());
        let http = http::Http::new(client, http::base_url(&config.base_url)?, stats.clone());
        let mut driver = Driver::new(clock.clone(), cloud.clone(), http, stats.clone(), config.max_in_flight);
        for spec in specs {
            driver.add(spec);
        }
        let (signal, rx) = watch::channel(Signal::Run);
        let task = tokio::spawn(driver.run(rx));
        tracing::info!(
            agents = config.agents,
            tenants = tenants.len(),
            seed = config.seed,
            speed = config.speed,
            "fleet started"
        );
        Ok(Fleet { clock, cloud, stats, tenants, signal, task })
    }

    /// Live statistics (update continuously).
    pub fn stats(&self) -> Arc<FleetStats> {
        self.stats.clone()
    }

    /// The simulated cloud (lock briefly).
    pub fn cloud(&self) -> SharedCloud {
        self.cloud.clone()
    }

    /// The simulation clock.
    pub fn clock(&self) -> &SimClock {
        &self.clock
    }

    /// The tenants the agents use (ids empty when tokens were given).
    pub fn tenants(&self) -> &[Tenant] {
        &self.tenants
    }

    /// Statistics and world state now.
    pub fn snapshot(&self) -> FleetSnapshot {
        world_snapshot(&self.clock, &self.cloud, &self.stats)
    }

    /// Restarts `share` (0..=1) of the running agents' processes, spread evenly
    /// over `over`: each stops (shutdown heartbeat) and registers anew with a
    /// new agent id, as v4 does on a rollout or a host reboot.
    pub fn reinstall(&self, share: f64, over: Duration) {
        let permille = (share.clamp(0.0, 1.0) * 1000.0).round() as u16;
        // A send error means the driver is already gone: nothing to restart.
        let _ = self.signal.send(Signal::Reinstall { permille, over });
    }

    /// Stops the fleet: waits for calls in flight, and when `graceful` sends
    /// each running agent's shutdown heartbeat. Returns the final numbers.
    pub async fn shutdown(self, graceful: bool) -> Result<FleetSnapshot, SimError> {
        // A send error means the driver is already gone: nothing to stop.
        let _ = self.signal.send(Signal::Stop { graceful });
        self.task.await.map_err(|e| SimError::Driver(e.to_string()))?;
        Ok(world_snapshot(&self.clock, &self.cloud, &self.stats))
    }

    /// Runs until `stop` completes, then shuts down.
    pub async fn run_until(
        self,
        stop: impl Future<Output = ()>,
        graceful: bool,
    ) -> Result<FleetSnapshot, SimError> {
        stop.await;
        self.shutdown(graceful).await
    }
}

fn world_snapshot(clock: &SimClock, cloud: &SharedCloud, stats: &FleetStats) -> FleetSnapshot {
    let now = clock.now();
    let (cloud_stats, alive) = {
        let mut c = driver::lock(cloud);
        c.advance_to(now);
        (c.stats(), c.instances().filter(|i| i.is_alive()).count())
    };
    FleetSnapshot {
        sim_secs: now.as_secs_f64(),
        speed: clock.speed(),
        stats: stats.snapshot(),
        cloud: cloud_stats,
        instances_alive: alive,
    }
}
