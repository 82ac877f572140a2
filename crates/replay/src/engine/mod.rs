//! The replay: configuration, the strategies to compare, and one run per
//! strategy over the same trace ([`sim`]), summarised as an [`Outcome`].

pub mod emergency_rules;
pub mod market;
pub mod report;
mod sim;
pub mod strategies;
pub mod world;

use crate::trace::Trace;
use serde::Serialize;
use spot_domain::GroupSettings;
use spot_domain::decisions::{DecisionSettings, RiskAware};

/// How the replay models the world.
#[derive(Debug, Clone)]
pub struct ReplayConfig {
    pub boot_seconds: f64,
    /// Percent; `None` means no availability target (pure cost).
    pub availability_target: Option<f64>,
    pub seed: u64,
    /// Workloads; `None` is one per region.
    pub workloads: Option<usize>,
    pub notice_seconds: f64,
    /// The v4 agent's traffic-switch pause.
    pub pause_seconds: f64,
    /// Time lost by a launch refused for lack of capacity.
    pub launch_fail_seconds: f64,
    /// Group settings the policy and the guardrails read.
    pub settings: DecisionSettings,
    pub price_horizon_hours: i64,
}

impl ReplayConfig {
    pub fn new(boot_seconds: f64, availability_target: Option<f64>, seed: u64) -> Self {
        let g = GroupSettings::default();
        Self {
            boot_seconds,
            availability_target,
            seed,
            workloads: None,
            notice_seconds: 120.0,
            pause_seconds: 2.0,
            launch_fail_seconds: 20.0,
            settings: DecisionSettings {
                auto_switch: true,
                manual_replica: false,
                auto_terminate: true,
                min_savings_percent: g.min_savings_percent,
                max_switches_per_week: g.max_switches_per_week,
                min_pool_duration_hours: g.min_pool_duration_hours,
                availability_target_percent: availability_target.unwrap_or(0.0),
            },
            price_horizon_hours: 6,
        }
    }
}

/// A policy to replay.
#[derive(Debug, Clone, PartialEq)]
pub enum StrategyKind {
    /// The decisions service's built-in policy (`risk_aware`).
    Builtin,
    AlwaysOnDemand,
    SinglePool,
    Greedy,
    /// Spot whenever any pool is available, no interruption ever hurts.
    Oracle,
    /// On-demand for `d` hours after `k` interruptions in `h` hours.
    Rule {
        k: u32,
        h: f64,
        d: f64,
    },
}

impl StrategyKind {
    pub fn name(&self) -> String {
        match self {
            Self::Builtin => spot_domain::decisions::RISK_AWARE.to_owned(),
            Self::AlwaysOnDemand => "always_on_demand".into(),
            Self::SinglePool => "single_pool".into(),
            Self::Greedy => "greedy".into(),
            Self::Oracle => "oracle".into(),
            Self::Rule { k, h, d } => format!("rule_k{k}_h{h}_d{d}"),
        }
    }

    /// Parses a `--policy` name.
    pub fn parse(raw: &str) -> Option<Self> {
        let all = Self::all();
        all.into_iter().find(|k| k.name() == raw)
    }

    /// Every strategy a default run compares.
    pub fn all() -> Vec<Self> {
        let mut v = vec![Self::Builtin, Self::AlwaysOnDemand, Self::SinglePool, Self::Greedy, Self::Oracle];
        for (k, h, d) in [
            (1, 24.0, 6.0),
            (1, 24.0, 24.0),
            (2, 24.0, 12.0),
            (2, 6.0, 24.0),
            (3, 24.0, 24.0),
            (1, 168.0, 48.0),
        ] {
            v.push(Self::Rule { k, h, d });
        }
        v
    }
}

/// One strategy's result over all workloads.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub policy: String,
    pub savings_percent: f64,
    pub availability_percent: f64,
    pub interruptions: u32,
    pub failovers: u32,
    pub switches: u32,
    pub downtime_seconds: f64,
    pub cost: f64,
    pub on_demand_cost: f64,
    pub replica_hours: f64,
    pub on_demand_hours: f64,
}

/// Runs one strategy.
pub fn run_one(trace: &Trace, cfg: &ReplayConfig, kind: &StrategyKind) -> Outcome {
    let stats = match kind {
        StrategyKind::Builtin => {
            sim::run(trace, cfg, &mut strategies::Builtin { policy: RiskAware::default() })
        }
        StrategyKind::Greedy => sim::run(trace, cfg, &mut strategies::Greedy),
        StrategyKind::SinglePool => sim::run(trace, cfg, &mut strategies::SinglePool::default()),
        StrategyKind::Rule { k, h, d } => sim::run(trace, cfg, &mut strategies::Rule::new(*k, *h, *d)),
        StrategyKind::AlwaysOnDemand => sim::analytic(trace, cfg, false),
        StrategyKind::Oracle => sim::analytic(trace, cfg, true),
    };
    summarise(kind.name(), trace, &stats)
}

/// Runs a model answering raw outputs (`spotctl replay --model`).
pub fn run_model(trace: &Trace, cfg: &ReplayConfig, model: &mut strategies::Model) -> Outcome {
    let stats = sim::run(trace, cfg, model);
    summarise(model.name.clone(), trace, &stats)
}

fn summarise(policy: String, trace: &Trace, stats: &[world::Stats]) -> Outcome {
    let total: f64 = trace.duration_secs() * stats.len() as f64;
    let sum = |f: &dyn Fn(&world::Stats) -> f64| stats.iter().map(f).sum::<f64>();
    let count = |f: &dyn Fn(&world::Stats) -> u32| stats.iter().map(f).sum::<u32>();
    let cost = sum(&|s| s.cost);
    let od = sum(&|s| s.on_demand_cost);
    let down = sum(&|s| s.downtime_secs);
    Outcome {
        policy,
        savings_percent: if od > 0.0 { (1.0 - cost / od) * 100.0 } else { 0.0 },
        availability_percent: if total > 0.0 { (1.0 - down / total) * 100.0 } else { 100.0 },
        interruptions: count(&|s| s.interruptions),
        failovers: count(&|s| s.failovers),
        switches: count(&|s| s.switches),
        downtime_seconds: down,
        cost,
        on_demand_cost: od,
        replica_hours: sum(&|s| s.replica_hours),
        on_demand_hours: sum(&|s| s.on_demand_hours),
    }
}

/// Runs any [`strategies::Strategy`] (tests and experiments); per-workload counters.
pub fn run_strategy(
    trace: &Trace,
    cfg: &ReplayConfig,
    strategy: &mut dyn strategies::Strategy,
) -> Vec<world::Stats> {
    sim::run(trace, cfg, strategy)
}

/// Runs several strategies over the same trace.
pub fn run_all(trace: &Trace, cfg: &ReplayConfig, kinds: &[StrategyKind]) -> Vec<Outcome> {
    kinds.iter().map(|k| run_one(trace, cfg, k)).collect()
}
