//! Who an agent is ([`AgentSpec`], [`InstanceFacts`]) and how it behaves
//! ([`Behaviour`]: intervals, jitter, switch options, [`Flavour`]).

use crate::clock::SimTime;
use crate::cloud::{Instance, LaunchKey, Market, PoolId};
use std::sync::Arc;
use std::time::Duration;

/// Which protocol the agent speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavour {
    /// Agent v4.0.0 exactly as deployed (sections A and D): it moves a
    /// workload only through switch commands, launches an emergency replica
    /// in its own pool, and only logs rebalance answers.
    V4,
    /// A newer agent (v5) with typed commands, request ids, notice endpoints
    /// and heartbeat metrics (section B). Everything v4 does not do lives
    /// here, never in [`Flavour::V4`].
    Typed,
}

/// What the agent knows about the instance it runs on (from IMDS).
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceFacts {
    /// Instance id.
    pub instance_id: String,
    /// Instance type.
    pub instance_type: String,
    /// Region.
    pub region: String,
    /// AZ.
    pub az: String,
    /// Image id.
    pub ami_id: String,
    /// Spot or on-demand.
    pub market: Market,
    /// Private address.
    pub private_ip: String,
    /// Public address.
    pub public_ip: Option<String>,
    /// The launch key of the instance (parent of what the agent launches).
    pub key: LaunchKey,
}

impl InstanceFacts {
    /// Facts of a cloud instance.
    pub fn of(inst: &Instance, region: &str) -> Self {
        InstanceFacts {
            instance_id: inst.id.clone(),
            instance_type: inst.instance_type.clone(),
            region: region.to_owned(),
            az: inst.az.clone(),
            ami_id: inst.ami_id.clone(),
            market: inst.market,
            private_ip: inst.private_ip.clone(),
            public_ip: inst.public_ip.clone(),
            key: inst.key,
        }
    }

    /// `<type>.<az>` when on spot.
    pub fn pool_id(&self) -> Option<PoolId> {
        (self.market == Market::Spot).then(|| PoolId::new(&self.instance_type, &self.az))
    }

    /// The EC2 default host name, `ip-10-1-2-3`.
    pub fn hostname(&self) -> String {
        format!("ip-{}", self.private_ip.replace('.', "-"))
    }
}

/// How agents behave. Intervals are v4's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Behaviour {
    /// `HEARTBEAT_INTERVAL`.
    pub heartbeat: Duration,
    /// `PENDING_COMMANDS_CHECK_INTERVAL`.
    pub commands: Duration,
    /// `CONFIG_REFRESH_INTERVAL`.
    pub config: Duration,
    /// `PRICING_REPORT_INTERVAL`.
    pub pricing: Duration,
    /// `TERMINATION_CHECK_INTERVAL`.
    pub termination_check: Duration,
    /// `REBALANCE_CHECK_INTERVAL`.
    pub rebalance_check: Duration,
    /// `CLEANUP_INTERVAL`.
    pub cleanup: Duration,
    /// Each period is lengthened by a uniform draw in `[0, jitter)` (v4 waits
    /// the interval after doing the work, so periods drift like this).
    pub jitter: Duration,
    /// Terminate the old instance after a switch (v4
    /// `AUTO_TERMINATE_OLD_INSTANCE`, default true) unless the command says.
    pub auto_terminate: bool,
    /// Share of switches that take an image first.
    pub snapshot_on_switch: f64,
    /// After `traffic_switched_at`, how long terminating the old instance takes.
    pub terminate_takes: Duration,
    /// Restart (as a new process) this long after the agent exited on a
    /// failed registration (systemd); `None` leaves it dead.
    pub restart_after_failure: Option<Duration>,
    /// From an instance being ready to its agent registering.
    pub agent_start_delay: (Duration, Duration),
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            heartbeat: Duration::from_secs(30),
            commands: Duration::from_secs(15),
            config: Duration::from_secs(60),
            pricing: Duration::from_secs(300),
            termination_check: Duration::from_secs(5),
            rebalance_check: Duration::from_secs(30),
            cleanup: Duration::from_secs(3600),
            jitter: Duration::from_millis(500),
            auto_terminate: true,
            snapshot_on_switch: 0.2,
            terminate_takes: Duration::from_secs(3),
            restart_after_failure: Some(Duration::from_secs(60)),
            agent_start_delay: (Duration::from_secs(5), Duration::from_secs(20)),
        }
    }
}

/// Everything needed to start one agent process on one instance.
#[derive(Debug, Clone)]
pub struct AgentSpec {
    /// Root seed; the agent's stream is derived from it and the instance key.
    pub seed: u64,
    /// Fleet group (one logical agent) the instance belongs to.
    pub group: u64,
    /// Tenant index.
    pub tenant: usize,
    /// The tenant's bearer token.
    pub token: Arc<str>,
    /// Protocol flavour.
    pub flavour: Flavour,
    /// Group key sent at registration.
    pub logical_agent_id: String,
    /// The instance the agent runs on.
    pub instance: InstanceFacts,
    /// Behaviour settings (shared).
    pub behaviour: Arc<Behaviour>,
    /// When the process starts (and registers).
    pub start_at: SimTime,
}
