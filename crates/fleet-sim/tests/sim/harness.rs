//! A synchronous driver for one agent against an in-memory cloud: polls the
//! agent at its wake times and answers its calls with a closure. This is the
//! agent's decision logic as a pure function of the answers it gets.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use spot_fleet_sim::SimTime;
use spot_fleet_sim::agent::{
    Agent, AgentSpec, Answer, Behaviour, Call, Endpoint, Flavour, InstanceFacts, Spawn,
};
use spot_fleet_sim::cloud::{Cloud, CloudConfig, LaunchKey, LaunchRequest, Market};
use std::sync::Arc;

pub const TOKEN: &str = "tenant-token-123";
pub const AGENT_ID: &str = "5b0f3c2e-1111-4222-8333-444455556666";

/// A fixed epoch with a non-zero fraction, like the captures.
pub fn epoch() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-22T10:28:24.885519Z").unwrap().with_timezone(&Utc)
}

/// A cloud without random interruptions, spikes or mass events.
pub fn calm() -> CloudConfig {
    CloudConfig {
        seed: 7,
        interruption_rate_per_hour: (0.0, 0.0),
        spike_chance_per_tick: 0.0,
        public_ip_share: 1.0,
        ..CloudConfig::default()
    }
}

pub fn at(secs: f64) -> SimTime {
    SimTime::from_secs_f64(secs)
}

/// Launches a running instance and builds an agent on it.
pub fn agent_on(
    cloud: &mut Cloud,
    flavour: Flavour,
    behaviour: Behaviour,
    pool: (&str, &str),
    market: Market,
) -> Agent {
    let req = LaunchRequest {
        key: LaunchKey::root(0),
        instance_type: pool.0.into(),
        az: pool.1.into(),
        market,
        ami_id: Some("ami-0009de7aaac3fdbb1".into()),
    };
    let inst = cloud.launch_running(&req, SimTime::ZERO).unwrap();
    let spec = AgentSpec {
        seed: 7,
        group: 0,
        tenant: 0,
        token: Arc::from(TOKEN),
        flavour,
        logical_agent_id: inst.id.clone(),
        instance: InstanceFacts::of(&inst, cloud.region()),
        behaviour: Arc::new(behaviour),
        start_at: SimTime::ZERO,
    };
    Agent::new(spec, epoch())
}

/// Answers what a friendly server would: registration with an id, empty
/// command lists, `{"status": "ok"}` for the rest.
pub fn default_answer(call: &Call) -> Answer {
    match call.endpoint {
        Endpoint::Register => Answer::ok(json!({"agent_id": AGENT_ID, "config": {"enabled": true}})),
        Endpoint::PendingCommands => Answer::ok(json!([])),
        Endpoint::Config => Answer::ok(json!({"enabled": true})),
        Endpoint::ReplicaCreate => Answer::ok(json!({"replica_id": "r-1"})),
        _ => Answer::ok(json!({"status": "ok"})),
    }
}

/// One agent, one cloud, and every call the agent made.
pub struct Harness {
    pub cloud: Cloud,
    pub agent: Agent,
    pub calls: Vec<(SimTime, Call)>,
    pub spawned: Vec<Spawn>,
    now: SimTime,
}

impl Harness {
    pub fn new(cloud: Cloud, agent: Agent) -> Self {
        Harness { cloud, agent, calls: Vec::new(), spawned: Vec::new(), now: SimTime::ZERO }
    }

    /// A cloud made from `cfg` and one agent on an instance of `pool` there.
    pub fn on(
        cfg: CloudConfig,
        flavour: Flavour,
        behaviour: Behaviour,
        pool: (&str, &str),
        market: Market,
    ) -> Self {
        let mut cloud = Cloud::new(cfg).unwrap();
        let agent = agent_on(&mut cloud, flavour, behaviour, pool, market);
        Harness::new(cloud, agent)
    }

    /// Runs the agent until `until` (simulated), answering with `answer`.
    pub fn run_until(&mut self, until: SimTime, answer: &mut dyn FnMut(&Call, SimTime) -> Answer) {
        for _ in 0..1_000_000 {
            let Some(wake) = self.agent.next_wake() else { return };
            if wake > until {
                self.cloud.advance_to(until);
                return;
            }
            self.now = self.now.max(wake);
            let calls = self.agent.poll(self.now, &mut self.cloud);
            self.pump(calls, answer);
        }
        panic!("agent did not make progress");
    }

    pub fn pump(&mut self, calls: Vec<Call>, answer: &mut dyn FnMut(&Call, SimTime) -> Answer) {
        let mut queue: std::collections::VecDeque<Call> = calls.into();
        while let Some(call) = queue.pop_front() {
            self.calls.push((self.now, call.clone()));
            let a = answer(&call, self.now);
            let more = self.agent.on_answer(&call, a, self.now, &mut self.cloud);
            queue.extend(more);
        }
        self.spawned.extend(self.agent.take_spawned());
    }

    /// Calls to one endpoint, in order.
    pub fn to(&self, endpoint: Endpoint) -> Vec<&(SimTime, Call)> {
        self.calls.iter().filter(|(_, c)| c.endpoint == endpoint).collect()
    }

    /// The body of the first call to `endpoint`.
    pub fn first_body(&self, endpoint: Endpoint) -> Value {
        self.to(endpoint).first().and_then(|(_, c)| c.body.clone()).unwrap_or(Value::Null)
    }
}
