//! Live fleet statistics, updated lock-free by the driver: agents online,
//! requests, latency histograms and errors (by status) per endpoint,
//! interruptions seen. [`FleetStats::snapshot`] gives a serializable view;
//! two snapshots give per-window rates and quantiles.

mod histogram;
mod snapshot;

pub use histogram::{Histogram, HistogramSnapshot};
pub use snapshot::{EndpointSnapshot, StatsSnapshot, WindowEndpoint};

use crate::agent::{AgentEvent, Endpoint, Failure};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

const STATUS_SLOTS: usize = 600;

/// Counters of one endpoint.
#[derive(Debug)]
pub struct EndpointStats {
    requests: AtomicU64,
    transport_errors: AtomicU64,
    not_json: AtomicU64,
    by_status: Box<[AtomicU64]>,
    latency: Histogram,
}

impl Default for EndpointStats {
    fn default() -> Self {
        EndpointStats {
            requests: AtomicU64::new(0),
            transport_errors: AtomicU64::new(0),
            not_json: AtomicU64::new(0),
            by_status: (0..STATUS_SLOTS).map(|_| AtomicU64::new(0)).collect(),
            latency: Histogram::default(),
        }
    }
}

/// Agent lifecycle and protocol counters.
#[derive(Debug, Default)]
pub struct Counters {
    /// Agent processes started (including restarts and new instances).
    pub started: AtomicU64,
    /// Successful registrations.
    pub registered: AtomicU64,
    /// Failed registrations.
    pub registration_failures: AtomicU64,
    /// Agent processes that ended.
    pub stopped: AtomicU64,
    /// Registered and not stopped.
    pub online: AtomicI64,
    /// Termination notices agents saw.
    pub interruptions_seen: AtomicU64,
    /// Rebalance recommendations agents saw.
    pub rebalances_seen: AtomicU64,
    /// Commands taken from pending-commands.
    pub commands_taken: AtomicU64,
    /// Switches completed.
    pub switches_completed: AtomicU64,
    /// Switches failed.
    pub switches_failed: AtomicU64,
    /// Replicas that came up.
    pub replicas_ready: AtomicU64,
    /// Replica launches that failed.
    pub replicas_failed: AtomicU64,
}

/// Live statistics of a fleet.
#[derive(Debug)]
pub struct FleetStats {
    started: Instant,
    endpoints: Vec<EndpointStats>,
    /// Agent counters.
    pub counters: Counters,
    /// How late agent steps ran compared with when they were due (real
    /// time, including waits for an in-flight slot).
    pub schedule_lag: Histogram,
    /// Calls in flight right now.
    pub in_flight: AtomicI64,
}

impl Default for FleetStats {
    fn default() -> Self {
        FleetStats {
            started: Instant::now(),
            endpoints: Endpoint::ALL.iter().map(|_| EndpointStats::default()).collect(),
            counters: Counters::default(),
            schedule_lag: Histogram::default(),
            in_flight: AtomicI64::new(0),
        }
    }
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

impl FleetStats {
    /// Records one finished call.
    pub fn record_call(&self, endpoint: Endpoint, latency: Duration, outcome: Result<u16, Failure>) {
        let Some(e) = self.endpoints.get(endpoint.index()) else { return };
        bump(&e.requests);
        e.latency.record(latency);
        match outcome {
            Ok(_) => {}
            Err(Failure::Status(code)) => {
                if let Some(slot) = e.by_status.get(usize::from(code)) {
                    bump(slot);
                }
            }
            Err(Failure::Transport) => bump(&e.transport_errors),
            Err(Failure::NotJson(_)) => bump(&e.not_json),
        }
    }

    /// Records what an agent reported.
    pub fn record_event(&self, event: AgentEvent) {
        let c = &self.counters;
        match event {
            AgentEvent::Registered => bump(&c.registered),
            AgentEvent::RegistrationFailed => bump(&c.registration_failures),
            AgentEvent::Stopped(_) => bump(&c.stopped),
            AgentEvent::TerminationNoticed => bump(&c.interruptions_seen),
            AgentEvent::RebalanceNoticed => bump(&c.rebalances_seen),
            AgentEvent::CommandTaken => bump(&c.commands_taken),
            AgentEvent::SwitchCompleted => bump(&c.switches_completed),
            AgentEvent::SwitchFailed => bump(&c.switches_failed),
            AgentEvent::ReplicaReady => bump(&c.replicas_ready),
            AgentEvent::ReplicaFailed => bump(&c.replicas_failed),
        }
    }

    /// Adjusts the online gauge when an agent starts or stops running
    /// (registered and not stopped).
    pub fn online_changed(&self, now_running: bool) {
        let delta = if now_running { 1 } else { -1 };
        self.counters.online.fetch_add(delta, Ordering::Relaxed);
    }

    /// Real time since the stats were created.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// A serializable copy of everything.
    pub fn snapshot(&self) -> StatsSnapshot {
        snapshot::take(self)
    }
}
