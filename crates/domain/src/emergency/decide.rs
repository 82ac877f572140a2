//! What to do about a termination notice, a missed step deadline, or a
//! rebalance recommendation, as a pure function of what the emergency
//! service knows, returning the effects to carry out.
//!
//! The rule for v4 groups (docs/EMERGENCY.md, "Placement for v4 groups"):
//! agent v4.0.0 launches an emergency replica only in its own pool and moves
//! anywhere else only through a switch command. So when the noticed pool is
//! unsafe (a burst of notices in the pool or its AZ, risk `avoid`, or a
//! rebalance recommendation came first) a v4 group never gets a same-pool
//! replica: it gets one priority-100 switch command to the chosen pool
//! (fastest-boot safe pool, else lowest-risk pool, else on-demand). When the
//! pool is still fine, a same-pool replica is acceptable and cheaper.
//! Newer (typed) agents take a CREATE_REPLICA with the chosen pool.

use super::pool_choice::{BootStats, FallbackStep, fallback_after, fastest_boot_pool};
use super::rebalance::RebalancePolicy;
use crate::pricing::Recommendation;

/// Other termination notices in the same pool within the burst window that
/// make the pool unsafe.
pub const POOL_BURST: u32 = 1;
/// Other termination notices in the same AZ within the burst window that
/// make the AZ (and so the pool) unsafe.
pub const AZ_BURST: u32 = 2;
/// How far back a burst is counted, in seconds.
pub const BURST_WINDOW_SECS: i64 = 300;

/// Where a replacement goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Pool(String),
    OnDemand,
}

impl Target {
    /// `target_mode` as agents read it.
    pub fn mode(&self) -> &'static str {
        match self {
            Self::Pool(_) => "spot",
            Self::OnDemand => "ondemand",
        }
    }

    pub fn pool(&self) -> Option<&str> {
        match self {
            Self::Pool(p) => Some(p),
            Self::OnDemand => None,
        }
    }
}

/// What the noticed pool looks like right now.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PoolSignals {
    /// Other termination notices in the pool within the window.
    pub others_in_pool: u32,
    /// Other termination notices in the AZ within the window.
    pub others_in_az: u32,
    pub risk: Option<Recommendation>,
    /// A rebalance recommendation for this instance came first.
    pub rebalance_preceded: bool,
}

impl PoolSignals {
    /// Other notices came in a burst (pool or AZ).
    pub fn is_burst(&self) -> bool {
        self.others_in_pool >= POOL_BURST || self.others_in_az >= AZ_BURST
    }

    /// Why the pool is unsafe, when it is.
    pub fn unsafe_reason(&self) -> Option<String> {
        if self.others_in_pool >= POOL_BURST {
            Some(format!("burst: {} other notices in the pool", self.others_in_pool))
        } else if self.others_in_az >= AZ_BURST {
            Some(format!("burst: {} other notices in the AZ", self.others_in_az))
        } else if self.risk == Some(Recommendation::Avoid) {
            Some("pool risk is avoid".to_owned())
        } else if self.rebalance_preceded {
            Some("a rebalance recommendation preceded the notice".to_owned())
        } else {
            None
        }
    }
}

/// What the service knows when a termination notice arrives.
#[derive(Debug, Clone, Copy)]
pub struct TerminationFacts<'a> {
    /// The agent runs typed commands (newer agent); else v4.
    pub typed: bool,
    /// The noticed instance's pool (`None`: on-demand or unknown).
    pub noticed_pool: Option<&'a str>,
    /// A ready REPLICA of the group.
    pub ready_replica: Option<&'a str>,
    pub signals: PoolSignals,
    /// Boot statistics and risk of the pools of the instance type.
    pub stats: &'a [BootStats],
    /// The termination time is already past (or was unreadable).
    pub deadline_passed: bool,
}

/// One thing to do. The service carries them out in order, asking lifecycle
/// for one thing at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Lifecycle's atomic promotion of this replica.
    Promote { replica_id: String },
    /// Answer `create_emergency_replica: true` (once): v4 launches a replica
    /// in its own pool.
    AnswerSamePoolReplica,
    /// A priority-100 switch command (what v4 runs).
    QueueSwitch(Target),
    /// A priority-100 CREATE_REPLICA command (typed agents).
    QueueCreateReplica(Target),
    /// The group falls back to on-demand: mark it for return to spot.
    MarkReturnToSpot,
    /// Earlier notices of this burst that got a same-pool replica get a
    /// switch to `Target` as well (v4 groups only).
    EscalateEarlier(Target),
}

/// The decision about one notice or step.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Recorded and answered (`promoted`, `same_pool_replica`, `switch`,
    /// `create_replica`, `monitor`, `prespin`).
    pub action: &'static str,
    pub effects: Vec<Effect>,
    pub target: Option<Target>,
    pub reason: String,
    /// The deadline is already missed when this is decided.
    pub missed: bool,
}

/// The chosen place away from `exclude`: fastest-boot safe pool, else the
/// lowest-risk known pool, else on-demand (never the excluded pool).
pub fn placement(stats: &[BootStats], exclude: &[&str]) -> (Target, String) {
    let current = exclude.first().copied().unwrap_or_default();
    let choice = fastest_boot_pool(stats, exclude, current);
    if choice.pool_id.is_empty() || exclude.contains(&choice.pool_id.as_str()) {
        (Target::OnDemand, "no safe spot pool known; on-demand".to_owned())
    } else {
        (Target::Pool(choice.pool_id), choice.reason)
    }
}

fn queue(typed: bool, target: Target) -> Vec<Effect> {
    let on_demand = target == Target::OnDemand;
    let mut effects =
        vec![if typed { Effect::QueueCreateReplica(target) } else { Effect::QueueSwitch(target) }];
    if on_demand {
        effects.push(Effect::MarkReturnToSpot);
    }
    effects
}

/// A termination notice seen for the first time.
pub fn decide_termination(f: &TerminationFacts<'_>) -> Decision {
    if let Some(replica) = f.ready_replica {
        return Decision {
            action: "promoted",
            effects: vec![Effect::Promote { replica_id: replica.to_owned() }],
            target: None,
            reason: "a ready replica is promoted at once".to_owned(),
            missed: false,
        };
    }
    let noticed: Vec<&str> = f.noticed_pool.into_iter().collect();
    if f.deadline_passed {
        // No time for the first choice: the fallback chain right away.
        let step = decide_fallback(f.typed, f.stats, &noticed);
        return Decision {
            reason: format!("termination time already passed; {}", step.reason),
            missed: true,
            ..step
        };
    }
    let action = if f.typed { "create_replica" } else { "switch" };
    let unsafe_reason = f.signals.unsafe_reason();
    let (target, why) = placement(f.stats, &noticed);
    match (f.typed, unsafe_reason, f.noticed_pool) {
        // v4, the pool is fine: a replica in its own pool is acceptable.
        (false, None, Some(_)) => Decision {
            action: "same_pool_replica",
            effects: vec![Effect::AnswerSamePoolReplica],
            target: f.noticed_pool.map(|p| Target::Pool(p.to_owned())),
            reason: "pool looks fine: emergency replica in the noticed pool".to_owned(),
            missed: false,
        },
        (typed, unsafe_reason, _) => {
            let mut effects = queue(typed, target.clone());
            let reason = match &unsafe_reason {
                Some(r) => format!("pool unsafe ({r}); {why}"),
                None => why,
            };
            // A burst proves the earlier same-pool replicas wrong.
            if !typed && f.signals.is_burst() {
                effects.push(Effect::EscalateEarlier(target.clone()));
            }
            Decision { action, effects, target: Some(target), reason, missed: false }
        }
    }
}

/// The step after `tried` (the noticed pool first, then every pool a step
/// went to) did not produce a running replacement: the next fastest safe
/// pool, else on-demand.
pub fn decide_fallback(typed: bool, stats: &[BootStats], tried: &[&str]) -> Decision {
    let (target, reason) = match fallback_after(stats, tried) {
        FallbackStep::Pool(p) => (Target::Pool(p.pool_id), p.reason),
        FallbackStep::OnDemand => (Target::OnDemand, "fallback: on-demand".to_owned()),
    };
    Decision {
        action: if typed { "create_replica" } else { "switch" },
        effects: queue(typed, target.clone()),
        target: Some(target),
        reason,
        missed: false,
    }
}

/// What the service knows when a rebalance recommendation arrives.
#[derive(Debug, Clone, Copy)]
pub struct RebalanceFacts<'a> {
    pub typed: bool,
    pub policy: RebalancePolicy,
    pub pool: &'a str,
    /// The pool's risk score.
    pub score: f64,
    pub has_ready_replica: bool,
    /// A termination notice is open for the group.
    pub notice_open: bool,
    pub stats: &'a [BootStats],
}

/// A rebalance recommendation seen for the first time. `switch` moves to a
/// lower-risk pool (one switch command at priority 75, below emergency
/// work; never while a termination notice is open, which already moves the
/// group).
pub fn decide_rebalance(f: &RebalanceFacts<'_>) -> Decision {
    let monitor = |reason: String| Decision {
        action: "monitor",
        effects: Vec::new(),
        target: None,
        reason,
        missed: false,
    };
    match f.policy {
        RebalancePolicy::Monitor => monitor("policy monitor".to_owned()),
        _ if f.notice_open => monitor("a termination notice is open for the group".to_owned()),
        RebalancePolicy::Prespin if f.has_ready_replica => {
            monitor("a ready replica already stands by".to_owned())
        }
        RebalancePolicy::Prespin if !f.typed => {
            monitor("v4 cannot pre-spin; its replacement comes with the termination notice".to_owned())
        }
        RebalancePolicy::Prespin => {
            let (target, reason) = placement(f.stats, &[f.pool]);
            Decision {
                action: "prespin",
                effects: vec![Effect::QueueCreateReplica(target.clone())],
                target: Some(target),
                reason,
                missed: false,
            }
        }
        RebalancePolicy::Switch => {
            let (target, reason) = placement(f.stats, &[f.pool]);
            let lower = match &target {
                Target::Pool(p) => f
                    .stats
                    .iter()
                    .find(|s| &s.pool_id == p)
                    .and_then(|s| s.risk_score)
                    .is_none_or(|r| r < f.score),
                Target::OnDemand => true,
            };
            if !lower {
                return monitor(format!("no pool with a lower risk than {:.2}", f.score));
            }
            let mut effects = vec![Effect::QueueSwitch(target.clone())];
            if target == Target::OnDemand {
                effects.push(Effect::MarkReturnToSpot);
            }
            Decision { action: "switch", effects, target: Some(target), reason, missed: false }
        }
    }
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
