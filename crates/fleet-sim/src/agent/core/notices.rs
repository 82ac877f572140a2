//! How the agent reacts to its instance's metadata: termination notices
//! (v4: `termination-imminent` every check while the notice stands; typed:
//! `termination-notice` once, then `emergency-status`) and rebalance
//! recommendations (v4: `rebalance-recommendation` every check; typed:
//! `rebalance-notice` once).

use super::Agent;
use crate::agent::call::Call;
use crate::agent::commands::{Command, CommandKind};
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

    pub(super) fn on_rebalance_answer(
        &mut self,
        body: Option<&Value>,
        now: SimTime,
        cloud: &mut Cloud,
    ) -> Vec<Call> {
        let Some(v) = body else { return Vec::new() };
        let wants_switch = v.get("action").and_then(Value::as_str) == Some("switch");
        // Once per recommendation (repeats keep answering `switch`), only when
        // active, and not while another command runs.
        let free = self.enabled && self.command.is_none() && !self.rebalance_acted;
        if !(wants_switch && self.env.behaviour.act_on_rebalance_switch && free) {
            return Vec::new();
        }
        self.rebalance_acted = true;
        let target_mode = v.get("target_mode").and_then(Value::as_str).unwrap_or("ondemand");
        let cmd = Command {
            id: String::new(),
            kind: CommandKind::Switch,
            target_mode: Some(target_mode.to_owned()),
            target_pool: answered_pool(v),
            priority: 0,
            replica_id: None,
            instance_id: None,
            auto_terminate: None,
        };
        // Empty id: a self-initiated switch has no command to mark executed.
        self.take_command(cmd, now, cloud)
    }
}

/// The pool an emergency or rebalance answer points at, if any.
pub(super) fn answered_pool(v: &Value) -> Option<PoolId> {
    ["target_pool_id", "pool_id", "replica_pool_id"]
        .iter()
        .find_map(|k| v.get(*k).and_then(Value::as_str))
        .and_then(PoolId::parse)
}
