//! The policies a replay compares. [`Builtin`] runs the decisions
//! service's code path: the decision input, the built-in policy with its
//! online memory, output validation and the guardrails. The baselines are
//! what an operator would otherwise run: greedy (cheapest available spot,
//! else on-demand), one pool with on-demand fallback, and the rule family
//! "fall back to on-demand for D hours after k interruptions in H hours"
//! on top of greedy. Greedy's and the rules' switches pass the same
//! guardrails as the policy's.

use super::ReplayConfig;
use super::market::{GroupFacts, Market, decision_input};
use super::world::{Place, Workload};
use crate::trace::Trace;
use spot_domain::decisions::{
    Action, DecisionInput, DecisionOutput, GroupState, GuardrailConfig, OUTPUT_SCHEMA_VERSION, RawOutput,
    RiskAware, Target, TargetMode, guardrails, validate_output,
};

/// What the replica should do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaIntent {
    Keep,
    Drop,
    Create(usize),
}

/// A strategy's answer at one tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intent {
    pub switch: Option<Place>,
    pub replica: ReplicaIntent,
}

impl Intent {
    pub const STAY: Intent = Intent { switch: None, replica: ReplicaIntent::Keep };
    fn switch(to: Place) -> Self {
        Intent { switch: Some(to), replica: ReplicaIntent::Keep }
    }
}

/// What a strategy sees.
pub struct View<'a> {
    pub trace: &'a Trace,
    pub k: usize,
    pub t: f64,
    pub w: &'a Workload,
    pub market: &'a Market,
    pub cfg: &'a ReplayConfig,
}

impl View<'_> {
    fn facts(&self) -> GroupFacts<'_> {
        let week = 7.0 * 86_400.0;
        let t = self.t;
        let recent = |q: &std::collections::VecDeque<f64>| {
            u32::try_from(q.iter().filter(|&&x| t - x <= week).count()).unwrap_or(u32::MAX)
        };
        let pool = self.w.primary_pool();
        GroupFacts {
            index: self.w.index,
            region: &self.w.region,
            instance_type: &self.w.instance_type,
            pool,
            uptime_hours: (t - self.w.primary_since).max(0.0) / 3600.0,
            hours_in_pool: (t - self.w.pool_since).max(0.0) / 3600.0,
            switches_last_week: recent(&self.w.switch_times),
            interruptions_7d: recent(&self.w.interruption_times),
            last_failover_secs: self.w.last_failover,
            return_to_spot: pool.is_none() && self.w.last_failover.is_some(),
        }
    }

    fn input(&self) -> DecisionInput {
        decision_input(
            self.trace,
            self.market,
            self.k,
            &self.w.candidates,
            &self.facts(),
            &self.cfg.settings,
            self.cfg.price_horizon_hours,
        )
    }

    fn pool_index(&self, id: &str) -> Option<usize> {
        self.w.candidates.iter().copied().find(|&p| self.market.id(p) == id)
    }

    fn guardrail_config(&self) -> GuardrailConfig {
        GuardrailConfig { confidence_threshold: 0.5, ..GuardrailConfig::default() }
    }
}

/// A policy under replay.
pub trait Strategy {
    fn decide(&mut self, v: &View<'_>) -> Intent;
    /// Where the replacement of an interrupted PRIMARY goes; `None` leaves
    /// it to the emergency rules.
    fn on_interruption(&mut self, _v: &View<'_>) -> Option<Place> {
        None
    }
}

/// The built-in policy, through the service's path.
#[derive(Debug, Default)]
pub struct Builtin {
    pub policy: RiskAware,
}

impl Strategy for Builtin {
    fn decide(&mut self, v: &View<'_>) -> Intent {
        let input = v.input();
        let replica = v.w.replica_pool().map(|p| v.market.id(p).to_owned());
        let group = GroupState {
            replica: replica.as_deref(),
            downtime_seconds: v.w.stats.downtime_secs,
            accounted_hours: v.t / 3600.0,
        };
        let plan = self.policy.plan(&input, &v.market.memory, &group);
        act(v, &input, &plan.output.to_raw(), plan.replica.is_some())
    }
}

/// A model answering [`RawOutput`]s (an ONNX file in `spotctl replay
/// --model`), through the same validation and guardrails as the service.
/// It sees no market memory and no replica state (the service gives it
/// none either): a CREATE_REPLICA adds a replica, which stays until the
/// model moves the group.
pub struct Model {
    pub name: String,
    #[allow(clippy::type_complexity)]
    pub decide: Box<dyn FnMut(&DecisionInput) -> Result<RawOutput, String>>,
    /// Answers the replay could not use (model errors and refused outputs):
    /// the service's built-in fallback would have decided instead; the
    /// replay stays.
    pub failures: u64,
}

impl Strategy for Model {
    fn decide(&mut self, v: &View<'_>) -> Intent {
        let input = v.input();
        match (self.decide)(&input) {
            Ok(raw) => {
                let keep_replica = v.w.replica_pool().is_some();
                let intent = act(v, &input, &raw, keep_replica);
                if validate_output(&raw, &input).is_err() {
                    self.failures += 1;
                }
                intent
            }
            Err(_) => {
                self.failures += 1;
                Intent::STAY
            }
        }
    }
}

/// What the decisions service would do with a model's answer: validate,
/// check the guardrails, act. `keep_replica` is false when the model no
/// longer wants the group's replica.
fn act(v: &View<'_>, input: &DecisionInput, raw: &RawOutput, keep_replica: bool) -> Intent {
    let Ok(out) = validate_output(raw, input) else {
        return Intent::STAY;
    };
    let verdicts = guardrails::check(input, &out, &v.guardrail_config());
    let keep = match (keep_replica, v.w.replica_pool().is_some()) {
        (false, true) => ReplicaIntent::Drop,
        _ => ReplicaIntent::Keep,
    };
    match out.action {
        Action::Switch if !guardrails::blocked(&verdicts) => {
            let to = match out.target.as_ref().and_then(|t| t.pool_id.as_deref()) {
                Some(id) => v.pool_index(id).map(Place::Spot),
                None => Some(Place::OnDemand),
            };
            Intent { switch: to, replica: keep }
        }
        // A replica protects; the rules against flapping for money
        // (savings, time in pool, weekly cap, cool-down) do not apply.
        Action::CreateReplica => {
            let safe = verdicts.iter().all(|v| {
                v.passed
                    || matches!(
                        v.rule.as_str(),
                        "min_savings_percent"
                            | "min_pool_duration_hours"
                            | "max_switches_per_week"
                            | "failover_cooldown"
                    )
            });
            match out.target.as_ref().and_then(|t| t.pool_id.as_deref()).and_then(|id| v.pool_index(id)) {
                Some(p) if safe => Intent { switch: None, replica: ReplicaIntent::Create(p) },
                _ => Intent::STAY,
            }
        }
        _ => Intent { switch: None, replica: keep },
    }
}

fn switch_output(to: Place, v: &View<'_>) -> DecisionOutput {
    let target = match to {
        Place::Spot(p) => Target { mode: TargetMode::Spot, pool_id: Some(v.market.id(p).to_owned()) },
        Place::OnDemand => Target { mode: TargetMode::Ondemand, pool_id: None },
    };
    DecisionOutput {
        schema_version: OUTPUT_SCHEMA_VERSION,
        action: Action::Switch,
        target: Some(target),
        confidence: 1.0,
        reasoning: String::new(),
        expected_saving_per_hour: 0.0,
        alternatives: Vec::new(),
    }
}

/// Cheapest available spot, else on-demand; moves when the cheapest saves
/// `min_savings_percent`, through the guardrails.
#[derive(Debug, Default)]
pub struct Greedy;

impl Greedy {
    fn target(v: &View<'_>) -> Option<Place> {
        let cheapest =
            v.w.candidates
                .iter()
                .copied()
                .filter(|&p| v.trace.available(v.k, p))
                .min_by(|&a, &b| v.trace.spot(v.k, a).total_cmp(&v.trace.spot(v.k, b)));
        let current = v.w.primary_pool();
        match (current, cheapest) {
            (_, None) if current.is_some_and(|c| !v.trace.available(v.k, c)) => Some(Place::OnDemand),
            (_, None) => None,
            (None, Some(p)) => Some(Place::Spot(p)),
            (Some(c), Some(p)) if c == p => None,
            (Some(c), Some(_)) if !v.trace.available(v.k, c) => cheapest.map(Place::Spot),
            (Some(c), Some(p)) => {
                let (cur, new) = (v.trace.spot(v.k, c), v.trace.spot(v.k, p));
                ((cur - new) / cur * 100.0 >= v.cfg.settings.min_savings_percent).then_some(Place::Spot(p))
            }
        }
    }
}

impl Strategy for Greedy {
    fn decide(&mut self, v: &View<'_>) -> Intent {
        let Some(to) = Self::target(v) else { return Intent::STAY };
        let input = v.input();
        let verdicts = guardrails::check(&input, &switch_output(to, v), &v.guardrail_config());
        if guardrails::blocked(&verdicts) { Intent::STAY } else { Intent::switch(to) }
    }
}

/// One pool (the cheapest at the start); on-demand after an interruption
/// until the pool has capacity again.
#[derive(Debug, Default)]
pub struct SinglePool {
    pub pool: Option<usize>,
}

impl Strategy for SinglePool {
    fn decide(&mut self, v: &View<'_>) -> Intent {
        let pool = *self.pool.get_or_insert_with(|| v.w.primary_pool().unwrap_or_default());
        if v.w.primary_pool().is_none() && v.trace.available(v.k, pool) {
            return Intent::switch(Place::Spot(pool));
        }
        Intent::STAY
    }

    fn on_interruption(&mut self, _v: &View<'_>) -> Option<Place> {
        Some(Place::OnDemand)
    }
}

/// Greedy, but on-demand for `d` hours after `k` interruptions in `h` hours.
#[derive(Debug)]
pub struct Rule {
    pub k: u32,
    pub h: f64,
    pub d: f64,
    until: f64,
}

impl Rule {
    pub fn new(k: u32, h: f64, d: f64) -> Self {
        Self { k, h, d, until: f64::NEG_INFINITY }
    }
}

impl Strategy for Rule {
    fn decide(&mut self, v: &View<'_>) -> Intent {
        if v.t < self.until {
            return if v.w.primary_pool().is_some() { Intent::switch(Place::OnDemand) } else { Intent::STAY };
        }
        Greedy.decide(v)
    }

    fn on_interruption(&mut self, v: &View<'_>) -> Option<Place> {
        let recent = v.w.interruption_times.iter().filter(|&&x| v.t - x <= self.h * 3600.0).count();
        if u32::try_from(recent).unwrap_or(u32::MAX) >= self.k {
            self.until = v.t + self.d * 3600.0;
            return Some(Place::OnDemand);
        }
        None
    }
}
