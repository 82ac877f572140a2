//! How the agent reacts to its instance's metadata: termination notices
//! (v4: `termination-imminent` every check while the notice stands; typed:
//! `termination-notice` once, then `emergency-status`) and rebalance
//! recommendations (v4: `rebalance-recommendation` every check, answer only
//! logged; typed: `rebalance-notice` once, then the queued command).

use super::Agent;
use crate::agent::call::Call;
use crate::agent::env::AgentEvent;
use crate::agent::spec::Flavour;
use crate::agent::timers::Task;
use crate::agent::wire_time::{imds, naive, zulu};
use crate::agent::{typed, v4};
use crate::clock::SimTime;
use crate::cloud::{Cloud, PoolId};
use serde_json::Value;

impl Agent {
    /// v4 keeps calling termination-imminent every check while the notice
    /// stands, but not while it is busy launching the emergency replica.
    pub(super) fn check_termination(&mut self, now: SimTime, cloud: &Cloud) -> Vec<Call> {
        let Some(deadline) = cloud.metadata(&self.env.facts.instance_id).and_then(|m| m.termination_time)
        else {
            return Vec::new();
        };
        if !self.notice_seen {
            self.notice_seen = true;
            self.env.events.push(AgentEvent::TerminationNoticed);
            if self.env.flavour == Flavour::Typed {
                self.timers.pull_in(Task::Commands, now);
            }
        }
        let (id, instance_id) = (&self.env.agent_id, &self.env.facts.instance_id);
        let termination_time = imds(self.env.utc(deadline));
        match self.env.flavour {
            Flavour::V4 if self.emergency.is_none() => {
                vec![v4::termination_imminent(id, instance_id, &termination_time, &naive(self.env.utc(now)))]
            }
            Flavour::V4 => Vec::new(),
            Flavour::Typed if !self.notice_acked => vec![typed::termination_notice(id, &termination_time)],
            Flavour::Typed => {
                self.notice_checks += 1;
                if self.notice_checks.is_multiple_of(3) {
                    vec![typed::emergency_status(id)]
                } else {
                    Vec::new()
                }
            }
        }
    }

    pub(super) fn check_rebalance(&mut self, now: SimTime, cloud: &Cloud) -> Vec<Call> {
        let Some(at) = cloud.metadata(&self.env.facts.instance_id).and_then(|m| m.rebalance_at) else {
            return Vec::new();
        };
        if !self.rebalance_seen {
            self.rebalance_seen = true;
            self.env.events.push(AgentEvent::RebalanceNoticed);
        }
        let (id, instance_id) = (&self.env.agent_id, &self.env.facts.instance_id);
        match self.env.flavour {
            Flavour::V4 => vec![v4::rebalance_recommendation(id, instance_id, &naive(self.env.utc(now)))],
            Flavour::Typed if !self.rebalance_acked => {
                vec![typed::rebalance_notice(id, &zulu(self.env.utc(at)))]
            }
            Flavour::Typed => Vec::new(),
        }
    }
}

/// The pool an emergency answer points at, if any (read by newer agents only).
pub(super) fn answered_pool(v: &Value) -> Option<PoolId> {
    ["target_pool_id", "pool_id", "replica_pool_id"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .and_then(PoolId::parse)
}
