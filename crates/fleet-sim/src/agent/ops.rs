//! The command an agent is executing (one at a time, like v4's command
//! thread): a switch, a replica launch, or one of the short typed commands
//! (promote, terminate, cleanup), each ending with `executed`.

use super::call::{Answer, Call, Endpoint, Purpose};
use super::commands::{Command, CommandKind, switch_target};
use super::env::{AgentEvent, Env};
use super::replica::ReplicaOp;
use super::switch::{SwitchOp, SwitchPlan};
use super::{reports, v4};
use crate::clock::SimTime;
use crate::cloud::{Cloud, PoolId};

/// A short command: an optional call, then `executed`.
#[derive(Debug)]
pub(crate) struct SimpleOp {
    command_id: String,
    pending: Option<Call>,
    awaiting_main: bool,
    awaiting_executed: bool,
    done: bool,
    success: bool,
    stop_after: bool,
}

impl SimpleOp {
    fn executed(&mut self, env: &Env) -> Vec<Call> {
        self.awaiting_executed = true;
        let message = if self.success { "Command completed" } else { "Command failed" };
        vec![
            v4::executed(&env.agent_id, &self.command_id, self.success, message)
                .for_purpose(Purpose::Command),
        ]
    }

    fn poll(&mut self, env: &Env) -> Vec<Call> {
        if self.awaiting_main || self.awaiting_executed || self.done {
            return Vec::new();
        }
        match self.pending.take() {
            Some(call) => {
                self.awaiting_main = true;
                vec![call.for_purpose(Purpose::Command)]
            }
            None => self.executed(env),
        }
    }

    fn on_answer(&mut self, call: &Call, answer: &Answer, env: &Env) -> Vec<Call> {
        if call.endpoint == Endpoint::CommandExecuted {
            self.done = true;
            return Vec::new();
        }
        self.awaiting_main = false;
        self.success = answer.result.is_ok();
        self.executed(env)
    }
}

/// The command being executed.
#[derive(Debug)]
pub(crate) enum CommandOp {
    Switch(SwitchOp),
    Replica(ReplicaOp),
    Simple(SimpleOp),
}

impl CommandOp {
    /// Starts `cmd` at `now`. `last_replica` is the replica this agent last
    /// created (typed PROMOTE_REPLICA without a replica id promotes it).
    pub fn start(
        cmd: Command,
        now: SimTime,
        cloud: &mut Cloud,
        env: &mut Env,
        last_replica: Option<&str>,
    ) -> Self {
        env.events.push(AgentEvent::CommandTaken);
        let own_pool = || PoolId::new(&env.facts.instance_type, &env.facts.az);
        match cmd.kind {
            CommandKind::Switch => {
                let (market, az) =
                    switch_target(cmd.target_mode.as_deref(), cmd.target_pool.as_ref(), &env.facts);
                let plan = SwitchPlan {
                    command_id: (!cmd.id.is_empty()).then(|| cmd.id.clone()),
                    trigger: cmd.trigger(),
                    target_mode: cmd.target_mode.clone().unwrap_or_default(),
                    target_pool: cmd.target_pool.clone(),
                    market,
                    az,
                    auto_terminate: cmd.auto_terminate.unwrap_or(env.behaviour.auto_terminate),
                };
                CommandOp::Switch(SwitchOp::start(plan, now, cloud, env))
            }
            CommandKind::CreateReplica => {
                let pool = cmd.target_pool.clone().unwrap_or_else(own_pool);
                CommandOp::Replica(ReplicaOp::command(cmd.id, cmd.priority >= 100, pool, now))
            }
            CommandKind::PromoteReplica => {
                let rid = cmd.replica_id.as_deref().or(last_replica);
                let pending = rid.map(|rid| v4::replica_promote(&env.agent_id, rid));
                CommandOp::Simple(SimpleOp::new(cmd.id, pending, rid.is_some(), false))
            }
            CommandKind::TerminateInstance => {
                let target = cmd.instance_id.clone().unwrap_or_else(|| env.facts.instance_id.clone());
                let ok = cloud.terminate(&target, now).is_ok();
                let own = target == env.facts.instance_id;
                CommandOp::Simple(SimpleOp::new(cmd.id, None, ok, ok && own))
            }
            CommandKind::Cleanup => {
                let report = reports::cleanup_report(env.utc(now));
                CommandOp::Simple(SimpleOp::new(
                    cmd.id,
                    Some(v4::cleanup_report(&env.agent_id, &report)),
                    true,
                    false,
                ))
            }
        }
    }

    pub fn poll(&mut self, now: SimTime, cloud: &mut Cloud, env: &mut Env) -> Vec<Call> {
        match self {
            CommandOp::Switch(op) => op.poll(now, cloud, env),
            CommandOp::Replica(op) => op.poll(now, cloud, env),
            CommandOp::Simple(op) => op.poll(env),
        }
    }

    pub fn on_answer(
        &mut self,
        call: &Call,
        answer: &Answer,
        now: SimTime,
        cloud: &mut Cloud,
        env: &mut Env,
    ) -> Vec<Call> {
        match self {
            CommandOp::Switch(op) => op.on_answer(call, answer, now, cloud, env),
            CommandOp::Replica(op) => op.on_answer(call, answer, now, cloud, env),
            CommandOp::Simple(op) => op.on_answer(call, answer, env),
        }
    }

    pub fn wake(&self) -> Option<SimTime> {
        match self {
            CommandOp::Switch(op) => op.wake(),
            CommandOp::Replica(op) => op.wake(),
            CommandOp::Simple(_) => None,
        }
    }

    /// `Some(stop_agent)` once finished: whether the agent process exits now.
    pub fn finished(&self) -> Option<bool> {
        match self {
            CommandOp::Switch(op) => op.finished().map(|ok| ok && op.auto_terminate()),
            CommandOp::Replica(op) => op.finished().map(|_| false),
            CommandOp::Simple(op) => op.done.then_some(op.stop_after),
        }
    }

    /// The replica id a finished replica command recorded.
    pub fn replica_id(&self) -> Option<&str> {
        match self {
            CommandOp::Replica(op) => op.replica_id(),
            _ => None,
        }
    }

    /// True when the agent's own instance is gone because this command
    /// terminated it, and the agent still has reporting to do.
    pub fn outlives_instance(&self) -> bool {
        match self {
            CommandOp::Switch(op) => op.terminated_old(),
            CommandOp::Simple(op) => op.stop_after,
            CommandOp::Replica(_) => false,
        }
    }
}

impl SimpleOp {
    fn new(command_id: String, pending: Option<Call>, success: bool, stop_after: bool) -> Self {
        SimpleOp {
            command_id,
            pending,
            awaiting_main: false,
            awaiting_executed: false,
            done: false,
            success,
            stop_after,
        }
    }
}
