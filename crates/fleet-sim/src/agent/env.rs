//! What an agent's operations share with the agent: its identity, RNG,
//! launch counter, the agents to start on instances it launched, and the
//! events it reports to the fleet's stats.

use super::spec::{Behaviour, Flavour, InstanceFacts};
use crate::clock::SimTime;
use crate::cloud::{Instance, LaunchKey};
use crate::rng::SimRng;
use chrono::{DateTime, TimeDelta, Utc};
use std::sync::Arc;
use std::time::Duration;

/// Why an agent process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Its instance was terminated or reclaimed.
    InstanceGone,
    /// It terminated its own instance: a switch with auto-terminate (v4
    /// exits after `executed`) or a typed TERMINATE_INSTANCE of itself.
    SwitchedAway,
    /// Registration failed and no restart is configured.
    RegistrationFailed,
    /// The fleet is shutting down.
    FleetStopped,
}

/// Something an agent did that the fleet counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentEvent {
    /// Registered and got an agent id.
    Registered,
    /// Registration failed (the process exits).
    RegistrationFailed,
    /// The process ended.
    Stopped(StopReason),
    /// Its instance got a termination notice (counted once per notice).
    TerminationNoticed,
    /// Its instance got a rebalance recommendation (once).
    RebalanceNoticed,
    /// It took a command from pending-commands.
    CommandTaken,
    /// A switch finished and was reported.
    SwitchCompleted,
    /// A switch failed (no report sent).
    SwitchFailed,
    /// A replica it launched is running.
    ReplicaReady,
    /// A replica launch failed.
    ReplicaFailed,
}

/// An agent to start on an instance this agent launched.
#[derive(Debug, Clone, PartialEq)]
pub struct Spawn {
    /// The new instance.
    pub instance: InstanceFacts,
    /// When its agent process starts.
    pub start_at: SimTime,
}

/// State shared between an agent and its running operations.
#[derive(Debug)]
pub(crate) struct Env {
    pub facts: InstanceFacts,
    pub agent_id: String,
    pub flavour: Flavour,
    pub behaviour: Arc<Behaviour>,
    pub epoch: DateTime<Utc>,
    pub rng: SimRng,
    pub incarnation: u64,
    pub launches: u64,
    pub spawned: Vec<Spawn>,
    pub events: Vec<AgentEvent>,
}

impl Env {
    /// UTC time of a simulated instant.
    pub fn utc(&self, t: SimTime) -> DateTime<Utc> {
        self.epoch + TimeDelta::microseconds(i64::try_from(t.as_micros()).unwrap_or(i64::MAX))
    }

    /// A fresh launch key under this instance (unique per process and launch).
    pub fn next_key(&mut self) -> LaunchKey {
        self.launches += 1;
        self.facts.key.child((self.incarnation << 32) | self.launches)
    }

    /// Uniform duration in a range.
    pub fn draw(&mut self, range: (Duration, Duration)) -> Duration {
        Duration::from_secs_f64(self.rng.uniform(range.0.as_secs_f64(), range.1.as_secs_f64()))
    }

    /// Starts an agent on `inst` a little after `now` (its boot finished).
    pub fn spawn(&mut self, inst: &Instance, now: SimTime) {
        let delay = self.draw(self.behaviour.agent_start_delay);
        let facts = InstanceFacts::of(inst, &self.facts.region);
        self.spawned.push(Spawn { instance: facts, start_at: now + delay });
    }
}
