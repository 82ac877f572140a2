//! The fleet's starting state: one running instance per agent, placed from
//! the population stream of `(seed, agent index)`, and the agent specs.

use crate::agent::{AgentSpec, Behaviour, Flavour, InstanceFacts};
use crate::clock::SimTime;
use crate::cloud::{Cloud, LaunchKey, LaunchRequest, Market};
use crate::error::SimError;
use crate::rng::{SimRng, Stream};
use std::sync::Arc;
use std::time::Duration;

/// What decides the starting population.
#[derive(Debug, Clone)]
pub struct PopulationPlan {
    /// Root seed.
    pub seed: u64,
    /// Number of agents.
    pub agents: usize,
    /// Tenant tokens; agent `i` uses token `i % len`.
    pub tokens: Vec<Arc<str>>,
    /// Share of typed agents.
    pub typed_share: f64,
    /// Share of on-demand instances.
    pub on_demand_share: f64,
    /// Registrations spread over this.
    pub ramp_up: Duration,
    /// Agent behaviour.
    pub behaviour: Arc<Behaviour>,
}

/// Launches the initial instances (already running) and returns their
/// agents' specs. Agent `i` is group `i`; its logical id is its first
/// instance id, as v4 defaults it.
pub fn populate(plan: &PopulationPlan, cloud: &mut Cloud) -> Result<Vec<AgentSpec>, SimError> {
    if plan.tokens.is_empty() {
        return Err(SimError::InvalidConfig("no tenant tokens".into()));
    }
    let types: Vec<String> = cloud.config().instance_types.iter().map(|t| t.name.clone()).collect();
    let azs = cloud.config().azs.clone();
    let region = cloud.region().to_owned();
    let mut specs = Vec::with_capacity(plan.agents);
    for i in 0..plan.agents {
        let mut rng = SimRng::stream(plan.seed, Stream::Population, i as u64);
        let ty = types.get(rng.below(types.len() as u64) as usize).cloned().unwrap_or_default();
        let az = azs.get(rng.below(azs.len() as u64) as usize).cloned().unwrap_or_default();
        let market = if rng.chance(plan.on_demand_share) { Market::OnDemand } else { Market::Spot };
        let flavour = if rng.chance(plan.typed_share) { Flavour::Typed } else { Flavour::V4 };
        let start_at = SimTime::from_secs_f64(rng.uniform(0.0, plan.ramp_up.as_secs_f64()));
        let req =
            LaunchRequest { key: LaunchKey::root(i as u64), instance_type: ty, az, market, ami_id: None };
        let inst = cloud
            .launch_running(&req, SimTime::ZERO)
            .map_err(|e| SimError::InvalidConfig(format!("initial launch {i}: {e}")))?;
        let token = plan.tokens.get(i % plan.tokens.len()).cloned().unwrap_or_else(|| Arc::from(""));
        specs.push(AgentSpec {
            seed: plan.seed,
            group: i as u64,
            tenant: i % plan.tokens.len(),
            token,
            flavour,
            logical_agent_id: inst.id.clone(),
            instance: InstanceFacts::of(&inst, &region),
            behaviour: plan.behaviour.clone(),
            start_at,
        });
    }
    Ok(specs)
}
