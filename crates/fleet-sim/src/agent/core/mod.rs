//! The agent state machine. [`Agent::poll`] returns the calls due at a
//! simulated time (after acting on the cloud); [`Agent::on_answer`] takes
//! each answer and returns follow-up calls. No I/O, no clock: the fleet
//! driver does the HTTP and decides when to poll ([`Agent::next_wake`]).

use super::call::{Answer, Call, Endpoint, Method, Purpose, truthy};
use super::commands::{self, Command};
use super::env::{AgentEvent, Env, Spawn, StopReason};
use super::ops::CommandOp;
use super::replica::ReplicaOp;
use super::spec::{AgentSpec, Flavour, InstanceFacts};
use super::timers::{Task, Timers};
use super::wire::HeartbeatMetrics;
use super::{reports, typed, v4};
use crate::clock::SimTime;
use crate::cloud::{Cloud, InstanceState, Market, PoolId};
use crate::rng::{SimRng, Stream};
use chrono::{DateTime, Utc};
use notices::answered_pool;
use serde_json::Value;

mod notices;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Life {
    Starting(SimTime),
    Registering,
    Running,
    Stopped,
}

/// One simulated agent process on one simulated instance.
#[derive(Debug)]
pub struct Agent {
    spec: AgentSpec,
    env: Env,
    life: Life,
    enabled: bool,
    timers: Timers,
    command: Option<CommandOp>,
    emergency: Option<ReplicaOp>,
    last_replica: Option<String>,
    notice_seen: bool,
    notice_acked: bool,
    notice_checks: u32,
    rebalance_seen: bool,
    rebalance_acked: bool,
    errors_since_heartbeat: u64,
    last_heartbeat_ms: f64,
}

impl Agent {
    /// An agent that starts (registers) at `spec.start_at`. `epoch` is the
    /// UTC time of simulated zero, for the timestamps it sends.
    pub fn new(spec: AgentSpec, epoch: DateTime<Utc>) -> Self {
        let env = Env {
            facts: spec.instance.clone(),
            agent_id: String::new(),
            flavour: spec.flavour,
            behaviour: spec.behaviour.clone(),
            epoch,
            rng: SimRng::stream(spec.seed, Stream::Agent, spec.instance.key.0),
            incarnation: 0,
            launches: 0,
            spawned: Vec::new(),
            events: Vec::new(),
        };
        Agent {
            life: Life::Starting(spec.start_at),
            spec,
            env,
            enabled: true,
            timers: Timers::default(),
            command: None,
            emergency: None,
            last_replica: None,
            notice_seen: false,
            notice_acked: false,
            notice_checks: 0,
            rebalance_seen: false,
            rebalance_acked: false,
            errors_since_heartbeat: 0,
            last_heartbeat_ms: 0.0,
        }
    }

    /// What the agent was started with.
    pub fn spec(&self) -> &AgentSpec {
        &self.spec
    }

    /// The instance it runs on.
    pub fn instance(&self) -> &InstanceFacts {
        &self.env.facts
    }

    /// The agent id from the last successful registration.
    pub fn agent_id(&self) -> Option<&str> {
        (!self.env.agent_id.is_empty()).then_some(self.env.agent_id.as_str())
    }

    /// Whether the server has it active (`config.enabled`).
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Registered and running.
    pub fn is_running(&self) -> bool {
        self.life == Life::Running
    }

    /// The process has ended for good.
    pub fn is_stopped(&self) -> bool {
        self.life == Life::Stopped
    }

    /// When the agent next has something to do (`None`: stopped, or waiting
    /// for the registration answer).
    pub fn next_wake(&self) -> Option<SimTime> {
        match self.life {
            Life::Starting(at) => Some(at),
            Life::Registering | Life::Stopped => None,
            Life::Running => [
                self.timers.earliest(),
                self.command.as_ref().and_then(CommandOp::wake),
                self.emergency.as_ref().and_then(ReplicaOp::wake),
            ]
            .into_iter()
            .flatten()
            .min(),
        }
    }

    /// Events since the last call (for stats).
    pub fn take_events(&mut self) -> Vec<AgentEvent> {
        std::mem::take(&mut self.env.events)
    }

    /// Agents to start on instances this agent launched.
    pub fn take_spawned(&mut self) -> Vec<Spawn> {
        std::mem::take(&mut self.env.spawned)
    }

    /// Calls due at `now`.
    pub fn poll(&mut self, now: SimTime, cloud: &mut Cloud) -> Vec<Call> {
        cloud.advance_to(now);
        let calls = match self.life {
            Life::Stopped | Life::Registering => Vec::new(),
            Life::Starting(at) if now < at => Vec::new(),
            Life::Starting(_) if self.instance_gone(cloud) => {
                self.life = Life::Stopped;
                self.env.events.push(AgentEvent::Stopped(StopReason::InstanceGone));
                Vec::new()
            }
            Life::Starting(_) => {
                self.life = Life::Registering;
                vec![self.register_call()]
            }
            Life::Running => self.poll_running(now, cloud),
        };
        self.stamp(calls)
    }

    /// Takes the answer to `call`; returns follow-up calls.
    pub fn on_answer(&mut self, call: &Call, answer: Answer, now: SimTime, cloud: &mut Cloud) -> Vec<Call> {
        cloud.advance_to(now);
        if answer.result.is_err() {
            self.errors_since_heartbeat += 1;
        }
        let calls = match call.purpose {
            Purpose::Shutdown => Vec::new(),
            _ if self.life == Life::Stopped => Vec::new(),
            Purpose::Command | Purpose::Emergency => {
                let env = &mut self.env;
                let mut calls = match (call.purpose, self.command.as_mut(), self.emergency.as_mut()) {
                    (Purpose::Command, Some(op), _) => op.on_answer(call, &answer, now, cloud, env),
                    (Purpose::Emergency, _, Some(op)) => op.on_answer(call, &answer, now, cloud, env),
                    _ => Vec::new(),
                };
                calls.extend(self.settle_ops());
                calls
            }
            Purpose::Routine => self.on_routine_answer(call.endpoint, &answer, now, cloud),
        };
        self.stamp(calls)
    }

    /// Ends the process (fleet shutdown): the shutdown heartbeat if registered.
    pub fn stop(&mut self, reason: StopReason) -> Vec<Call> {
        if self.life == Life::Stopped {
            return Vec::new();
        }
        self.life = Life::Stopped;
        self.command = None;
        self.emergency = None;
        self.env.events.push(AgentEvent::Stopped(reason));
        if self.env.agent_id.is_empty() {
            return Vec::new();
        }
        vec![v4::heartbeat_shutdown(&self.env.agent_id).for_purpose(Purpose::Shutdown)]
    }

    /// Reinstalls the agent on the same instance: the old process stops
    /// (shutdown heartbeat), a new one registers at `now` and gets a new agent id.
    pub fn reinstall(&mut self, now: SimTime) -> Vec<Call> {
        let calls = match (self.life, self.env.agent_id.is_empty()) {
            (Life::Running, false) => {
                vec![v4::heartbeat_shutdown(&self.env.agent_id).for_purpose(Purpose::Shutdown)]
            }
            _ => Vec::new(),
        };
        self.restart(now);
        calls
    }

    fn restart(&mut self, at: SimTime) {
        self.env.agent_id.clear();
        self.env.incarnation += 1;
        self.life = Life::Starting(at);
        self.enabled = true;
        self.timers = Timers::default();
        self.command = None;
        self.emergency = None;
        (self.notice_seen, self.notice_acked, self.notice_checks) = (false, false, 0);
        (self.rebalance_seen, self.rebalance_acked) = (false, false);
    }

    fn register_call(&self) -> Call {
        let (token, facts, logical) = (&*self.spec.token, &self.env.facts, &self.spec.logical_agent_id);
        match self.env.flavour {
            Flavour::V4 => v4::register(token, facts, logical),
            Flavour::Typed => typed::register(token, facts, logical),
        }
    }

    /// Typed agents put an `X-Request-ID` on every write.
    fn stamp(&mut self, calls: Vec<Call>) -> Vec<Call> {
        if self.env.flavour != Flavour::Typed {
            return calls;
        }
        calls
            .into_iter()
            .map(|c| match c.method {
                Method::Post if c.request_id.is_none() => {
                    let id = self.env.rng.uuid().to_string();
                    c.with_request_id(id)
                }
                _ => c,
            })
            .collect()
    }

    fn instance_gone(&self, cloud: &Cloud) -> bool {
        cloud.metadata(&self.env.facts.instance_id).is_none_or(|m| m.state == InstanceState::Terminated)
    }

    fn poll_running(&mut self, now: SimTime, cloud: &mut Cloud) -> Vec<Call> {
        let mut calls = Vec::new();
        if let Some(op) = self.command.as_mut() {
            calls.extend(op.poll(now, cloud, &mut self.env));
        }
        if let Some(op) = self.emergency.as_mut() {
            calls.extend(op.poll(now, cloud, &mut self.env));
        }
        calls.extend(self.settle_ops());
        if self.life != Life::Running {
            return calls;
        }
        if self.instance_gone(cloud) {
            if self.command.as_ref().is_some_and(CommandOp::outlives_instance) {
                // Terminated itself in a switch: finish reporting, nothing else.
                return calls;
            }
            calls.extend(self.stop(StopReason::InstanceGone));
            return calls;
        }
        for task in self.timers.due(now) {
            let interval = self.interval(task);
            let jitter = self.env.behaviour.jitter;
            self.timers.reschedule(task, now, interval, jitter, &mut self.env.rng);
            calls.extend(self.run(task, now, cloud));
        }
        calls
    }

    fn interval(&self, task: Task) -> std::time::Duration {
        let b = &self.env.behaviour;
        match task {
            // A typed agent under notice polls for its emergency commands fast.
            Task::Commands if self.env.flavour == Flavour::Typed && self.notice_seen => b.termination_check,
            _ => task.interval(b),
        }
    }

    /// Drops finished operations; stops the agent if one says so.
    fn settle_ops(&mut self) -> Vec<Call> {
        if let Some(stop) = self.command.as_ref().and_then(CommandOp::finished) {
            if let Some(rid) = self.command.as_ref().and_then(CommandOp::replica_id) {
                self.last_replica = Some(rid.to_owned());
            }
            self.command = None;
            if stop {
                return self.stop(StopReason::SwitchedAway);
            }
        }
        if self.emergency.as_ref().and_then(ReplicaOp::finished).is_some() {
            if let Some(rid) = self.emergency.as_ref().and_then(ReplicaOp::replica_id) {
                self.last_replica = Some(rid.to_owned());
            }
            self.emergency = None;
        }
        Vec::new()
    }

    fn run(&mut self, task: Task, now: SimTime, cloud: &mut Cloud) -> Vec<Call> {
        let id = self.env.agent_id.clone();
        let facts = &self.env.facts;
        match task {
            Task::Heartbeat => vec![self.heartbeat_call()],
            Task::Commands if self.enabled && self.command.is_none() => vec![v4::pending_commands(&id)],
            Task::Commands => Vec::new(),
            Task::Config => vec![v4::config(&id)],
            Task::Pricing => {
                let report = reports::pricing_report(facts, cloud, self.env.utc(now));
                vec![v4::pricing_report(&id, &report)]
            }
            Task::Cleanup => vec![v4::cleanup_report(&id, &reports::cleanup_report(self.env.utc(now)))],
            Task::Termination => self.check_termination(now, cloud),
            Task::Rebalance => self.check_rebalance(now, cloud),
        }
    }

    fn heartbeat_call(&mut self) -> Call {
        let (id, facts) = (&self.env.agent_id, &self.env.facts);
        match self.env.flavour {
            Flavour::V4 => v4::heartbeat(id, facts, self.enabled),
            Flavour::Typed => {
                let metrics = HeartbeatMetrics {
                    cpu_usage: (self.env.rng.uniform(5.0, 60.0) * 10.0).round() / 10.0,
                    memory_usage: (self.env.rng.uniform(20.0, 70.0) * 10.0).round() / 10.0,
                    heartbeat_latency_ms: self.last_heartbeat_ms,
                    error_count: self.errors_since_heartbeat,
                };
                typed::heartbeat(id, facts, self.enabled, metrics)
            }
        }
    }

    fn on_routine_answer(
        &mut self,
        endpoint: Endpoint,
        answer: &Answer,
        now: SimTime,
        cloud: &mut Cloud,
    ) -> Vec<Call> {
        let body = answer.result.as_ref().ok();
        match endpoint {
            Endpoint::Register => self.on_registered(body, now, cloud),
            Endpoint::Heartbeat => {
                self.last_heartbeat_ms = answer.latency.as_secs_f64() * 1000.0;
                self.errors_since_heartbeat = 0;
                Vec::new()
            }
            Endpoint::Config => {
                let was = self.enabled;
                // v4: `if agent_config: enabled = agent_config.get('enabled', True)`.
                if let Some(Value::Object(map)) = body.filter(|v| truthy(v)) {
                    self.enabled = map.get("enabled").is_none_or(truthy);
                }
                match (self.env.flavour, was != self.enabled) {
                    (Flavour::Typed, true) => vec![v4::replica_config(&self.env.agent_id)],
                    _ => Vec::new(),
                }
            }
            Endpoint::PendingCommands => {
                match body.and_then(|v| commands::first_runnable(v, self.env.flavour)) {
                    Some(cmd) if self.enabled && self.command.is_none() => self.take_command(cmd, now, cloud),
                    _ => Vec::new(),
                }
            }
            Endpoint::TerminationImminent => match body {
                Some(v)
                    if v.get("create_emergency_replica").is_some_and(truthy) && self.emergency.is_none() =>
                {
                    // v4.0.0 never reads a pool from this answer: the replica
                    // lands in its own type and AZ (agent-protocol.md D).
                    // Only a newer agent honours an answered pool.
                    let own = PoolId::new(&self.env.facts.instance_type, &self.env.facts.az);
                    let pool = match self.env.flavour {
                        Flavour::V4 => own,
                        Flavour::Typed => answered_pool(v).unwrap_or(own),
                    };
                    let mut op = ReplicaOp::emergency(pool, now);
                    let calls = op.poll(now, cloud, &mut self.env);
                    self.emergency = Some(op);
                    calls
                }
                _ => Vec::new(),
            },
            // v4.0.0 only logs the answer's `action`; it acts on nothing in it.
            Endpoint::RebalanceRecommendation => Vec::new(),
            Endpoint::TerminationNotice => {
                self.notice_acked |= body.is_some();
                Vec::new()
            }
            Endpoint::RebalanceNotice => {
                self.rebalance_acked |= body.is_some();
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    fn on_registered(&mut self, body: Option<&Value>, now: SimTime, cloud: &mut Cloud) -> Vec<Call> {
        if self.life != Life::Registering {
            return Vec::new();
        }
        // v4: `agent_id = response['agent_id']`, `response.get('config', {}).get('enabled', True)`;
        // a `null` or non-object config crashes it.
        let agent_id = body.and_then(|v| v.get("agent_id")).and_then(|v| match v {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        let enabled = match body.map(|v| v.get("config")) {
            Some(None) => Some(true),
            Some(Some(Value::Object(c))) => Some(c.get("enabled").is_none_or(truthy)),
            _ => None,
        };
        let (Some(agent_id), Some(enabled)) = (agent_id, enabled) else {
            self.env.events.push(AgentEvent::RegistrationFailed);
            return match self.env.behaviour.restart_after_failure {
                Some(wait) => {
                    self.restart(now + wait);
                    Vec::new()
                }
                None => self.stop(StopReason::RegistrationFailed),
            };
        };
        self.env.agent_id = agent_id;
        self.enabled = enabled;
        self.life = Life::Running;
        self.env.events.push(AgentEvent::Registered);
        let spot = self.env.facts.market == Market::Spot;
        self.timers = Timers::start(now, &self.env.behaviour, spot, &mut self.env.rng);
        self.poll_running(now, cloud)
    }

    fn take_command(&mut self, cmd: Command, now: SimTime, cloud: &mut Cloud) -> Vec<Call> {
        let mut op = CommandOp::start(cmd, now, cloud, &mut self.env, self.last_replica.as_deref());
        let mut calls = op.poll(now, cloud, &mut self.env);
        self.command = Some(op);
        calls.extend(self.settle_ops());
        calls
    }
}
