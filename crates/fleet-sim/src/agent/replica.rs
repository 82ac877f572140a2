//! Launching a replica. v4 (after a truthy `create_emergency_replica`)
//! launches a spot instance in the answered pool's AZ, waits for it to run,
//! then sends `POST /replicas` once with `status: ready`. Typed agents
//! (CREATE_REPLICA) record it as `launching` first, report `ready` through
//! the status call, and mark the command executed.

use super::call::{Answer, Call, Endpoint, Purpose};
use super::env::{AgentEvent, Env};
use super::v4;
use super::wire::ReplicaReport;
use crate::clock::SimTime;
use crate::cloud::{Cloud, Instance, InstanceState, LaunchRequest, Market, PoolId};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Launch,
    AwaitCreate,
    Booting,
    AwaitReady,
    AwaitExecuted,
    Done,
}

/// A replica launch in progress.
#[derive(Debug)]
pub(crate) struct ReplicaOp {
    command_id: Option<String>,
    replica_type: &'static str,
    pool: PoolId,
    typed: bool,
    purpose: Purpose,
    stage: Stage,
    wake: SimTime,
    instance: Option<Instance>,
    replica_id: Option<String>,
    success: bool,
}

impl ReplicaOp {
    /// v4's emergency replica (after a termination notice) into `pool`'s AZ.
    pub fn emergency(pool: PoolId, now: SimTime) -> Self {
        Self::new(None, "emergency", pool, false, Purpose::Emergency, now)
    }

    /// A typed CREATE_REPLICA command.
    pub fn command(command_id: String, emergency: bool, pool: PoolId, now: SimTime) -> Self {
        let kind = if emergency { "emergency" } else { "manual" };
        Self::new(Some(command_id), kind, pool, true, Purpose::Command, now)
    }

    fn new(
        command_id: Option<String>,
        replica_type: &'static str,
        pool: PoolId,
        typed: bool,
        purpose: Purpose,
        now: SimTime,
    ) -> Self {
        ReplicaOp {
            command_id,
            replica_type,
            pool,
            typed,
            purpose,
            stage: Stage::Launch,
            wake: now,
            instance: None,
            replica_id: None,
            success: false,
        }
    }

    /// When it next needs the agent (`None` while awaiting an answer or done).
    pub fn wake(&self) -> Option<SimTime> {
        matches!(self.stage, Stage::Launch | Stage::Booting).then_some(self.wake)
    }

    /// `Some(success)` once finished.
    pub fn finished(&self) -> Option<bool> {
        (self.stage == Stage::Done).then_some(self.success)
    }

    /// The server's id of the replica, once known.
    pub fn replica_id(&self) -> Option<&str> {
        self.replica_id.as_deref()
    }

    fn report(&self, env: &Env, status: &str) -> ReplicaReport {
        ReplicaReport {
            instance_id: self.instance.as_ref().map(|i| i.id.clone()).unwrap_or_default(),
            replica_type: self.replica_type.to_owned(),
            parent_instance_id: env.facts.instance_id.clone(),
            // v4 launches its own type in the target AZ and reports that pool.
            pool_id: PoolId::new(&env.facts.instance_type, &self.pool.az).to_string(),
            status: status.to_owned(),
        }
    }

    fn tag(&self, call: Call) -> Call {
        call.for_purpose(self.purpose)
    }

    /// Runs what is due at `now`.
    pub fn poll(&mut self, now: SimTime, cloud: &mut Cloud, env: &mut Env) -> Vec<Call> {
        if self.wake().is_some_and(|w| now < w) {
            return Vec::new();
        }
        match self.stage {
            Stage::Launch => {
                let req = LaunchRequest {
                    key: env.next_key(),
                    instance_type: env.facts.instance_type.clone(),
                    az: self.pool.az.clone(),
                    market: Market::Spot,
                    ami_id: Some(env.facts.ami_id.clone()),
                };
                match cloud.launch(&req, now) {
                    Ok(inst) => {
                        self.wake = inst.ready_at;
                        self.instance = Some(inst);
                        if self.typed {
                            self.stage = Stage::AwaitCreate;
                            return vec![
                                self.tag(v4::replica_create(&env.agent_id, &self.report(env, "launching"))),
                            ];
                        }
                        self.stage = Stage::Booting;
                        Vec::new()
                    }
                    Err(_) => self.finish(false, env),
                }
            }
            Stage::Booting => {
                let Some(inst) = self.instance.clone() else { return self.finish(false, env) };
                match cloud.instance(&inst.id).map(|i| (i.state, i.ready_at)) {
                    Some((InstanceState::Running, _)) => {
                        env.spawn(&inst, now);
                        env.events.push(AgentEvent::ReplicaReady);
                        self.stage = Stage::AwaitReady;
                        let call = match (self.typed, self.replica_id.as_deref()) {
                            (true, Some(rid)) => v4::replica_status(&env.agent_id, rid, "ready"),
                            _ => v4::replica_create(&env.agent_id, &self.report(env, "ready")),
                        };
                        vec![self.tag(call)]
                    }
                    Some((InstanceState::Pending, ready_at)) => {
                        self.wake = ready_at.max(now);
                        Vec::new()
                    }
                    _ => self.finish(false, env),
                }
            }
            Stage::AwaitCreate | Stage::AwaitReady | Stage::AwaitExecuted | Stage::Done => Vec::new(),
        }
    }

    fn execute(&mut self, env: &mut Env) -> Vec<Call> {
        let Some(id) = self.command_id.clone() else {
            self.stage = Stage::Done;
            return Vec::new();
        };
        self.stage = Stage::AwaitExecuted;
        let message = if self.success { "Replica ready" } else { "Replica creation failed" };
        vec![self.tag(v4::executed(&env.agent_id, &id, self.success, message))]
    }

    fn finish(&mut self, success: bool, env: &mut Env) -> Vec<Call> {
        if !success {
            env.events.push(AgentEvent::ReplicaFailed);
        }
        self.success = success;
        let mut calls = Vec::new();
        if let (false, Some(rid)) = (success, self.replica_id.as_deref()) {
            // Tell the server the recorded replica will not come up.
            calls.push(self.tag(v4::replica_status(&env.agent_id, rid, "failed")));
        }
        calls.extend(self.execute(env));
        calls
    }

    /// Feeds an answer.
    pub fn on_answer(
        &mut self,
        call: &Call,
        answer: &Answer,
        now: SimTime,
        cloud: &mut Cloud,
        env: &mut Env,
    ) -> Vec<Call> {
        let replica_id =
            answer.result.as_ref().ok().and_then(|v| v.get("replica_id")).and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
        match (call.endpoint, self.stage) {
            (Endpoint::ReplicaCreate, Stage::AwaitCreate) => {
                self.replica_id = replica_id;
                self.stage = Stage::Booting;
                self.poll(now, cloud, env)
            }
            (Endpoint::ReplicaCreate | Endpoint::ReplicaStatus, Stage::AwaitReady) => {
                self.replica_id = self.replica_id.take().or(replica_id);
                self.finish(true, env)
            }
            (Endpoint::CommandExecuted, Stage::AwaitExecuted) => {
                self.stage = Stage::Done;
                Vec::new()
            }
            _ => Vec::new(),
        }
    }
}
