//! Built-in policies. [`RiskAware`] is the default model: an expected-cost
//! rule that keeps the group's availability target, learning interruption
//! rates online from a [`MarketMemory`].
//!
//! For every spot pool with a price it estimates interruptions per hour
//! (the larger of what the memory learned and what pricing's 30-day count
//! and risk score imply). One unprepared interruption costs the boot time
//! beyond the 2-minute notice (plus a reaction delay); an interruption with
//! a ready replica in another AZ costs only the promotion pause. The
//! options are: one instance in a pool, one instance plus a replica in a
//! pool of another AZ, or on-demand. An option is feasible when its expected
//! downtime per hour fits the availability budget `1 - target` paced over
//! the next hours ([`RiskAware::budget`]), or, with a ready replica, the
//! long-run rate ([`RiskAware::protected_budget`]: an overspent group buys a
//! replica rather than on-demand); on-demand is a round trip of two switches
//! and is not taken without both under the weekly cap. The policy takes the
//! cheapest feasible
//! option, and leaves the current placement only when that saves at least
//! `min_savings_percent + hysteresis_percent` (or when the current one is no
//! longer feasible). docs/DECISIONS.md walks through the rule.

use super::input::{DecisionInput, PoolWindow, RiskLevel};
use super::market::{MarketMemory, az_of};
use super::output::{Action, DecisionOutput, OUTPUT_SCHEMA_VERSION, Target, TargetMode};
use chrono::Duration;

/// A model implemented in Rust.
pub trait Policy: Send + Sync {
    /// Registry name of the policy (`kind = builtin`).
    fn name(&self) -> &'static str;
    /// The decision for a validated input. Never fails: no data is `NO_ACTION`.
    fn decide(&self, input: &DecisionInput) -> DecisionOutput;
}

/// Tunables of [`RiskAware`]; the defaults are what the service runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskAwareParams {
    /// Recent window whose mean is a pool's price (the guardrails compare
    /// the same window).
    pub price_horizon_hours: i64,
    /// Boot time assumed until the memory has measured one.
    pub assumed_boot_seconds: f64,
    /// Termination notice lead time.
    pub notice_seconds: f64,
    /// Time from a notice to the replacement's launch.
    pub reaction_seconds: f64,
    /// Traffic-switch pause of a promotion or a switch.
    pub pause_seconds: f64,
    /// Share of the availability budget an option may plan to spend. 1:
    /// the pacing already corrects for estimation error and bad luck (an
    /// overspent group sees a smaller budget at once).
    pub budget_share: f64,
    /// Hours over which unspent (or overspent) downtime budget is paced.
    pub budget_lookahead_hours: f64,
    /// Price a pool at its latest point (true) or its horizon mean.
    pub latest_price: bool,
    /// Extra saving, in percent, demanded on top of `min_savings_percent`
    /// before leaving a placement, so prices wobbling around each other do
    /// not make the group flap.
    pub hysteresis_percent: f64,
    /// Notices a month assumed for a pool pricing has not assessed yet.
    pub unknown_interruptions_30d: f64,
    /// Switches of the weekly cap kept for leaving on-demand and for
    /// safety moves: a group that spent its cap chasing prices would sit on
    /// on-demand after the next failover until the week rolls over.
    pub reserved_switches: u32,
    /// Charge the detour of an unprotected interruption (where the
    /// emergency rules land the group, until a switch can bring it back)
    /// in a pool's expected cost.
    pub detour: bool,
}

impl Default for RiskAwareParams {
    fn default() -> Self {
        Self {
            price_horizon_hours: 6,
            assumed_boot_seconds: 300.0,
            notice_seconds: 120.0,
            reaction_seconds: 10.0,
            pause_seconds: 2.0,
            budget_share: 1.0,
            budget_lookahead_hours: 72.0,
            latest_price: true,
            hysteresis_percent: 2.0,
            unknown_interruptions_30d: 2.0,
            reserved_switches: 3,
            detour: true,
        }
    }
}

/// The default built-in policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskAware {
    pub params: RiskAwareParams,
}

/// Name of [`RiskAware`] in the registry.
pub const RISK_AWARE: &str = "risk_aware";

/// One pool as the policy sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolScore {
    pub pool_id: String,
    pub price: f64,
    pub interruptions_per_hour: f64,
    /// Price plus the expected cost of the boots interruptions cause
    /// (both instances billed while the replacement boots).
    pub base_cost: f64,
    /// Expected cost per hour of the detours of unprotected interruptions
    /// ([`RiskAware::detour_hours`]); a ready replica avoids them.
    pub detour_cost: f64,
    /// `base_cost + detour_cost`: the pool alone.
    pub expected_cost: f64,
    /// Not `avoid` and not out of capacity: a place to go.
    pub eligible: bool,
    /// Out of capacity (interrupted, not back): no place to stay either.
    pub out: bool,
    pub agent_share: f64,
}

/// What the caller knows about the group beyond the input: its replica
/// and the downtime it accumulated against its availability target.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GroupState<'a> {
    /// Pool of the group's ready or booting replica.
    pub replica: Option<&'a str>,
    /// Downtime since the target's accounting started.
    pub downtime_seconds: f64,
    /// Hours since the accounting started (0 when unknown).
    pub accounted_hours: f64,
}

/// A decision plus whether the group's replica is still wanted (the
/// market replay acts on it; the service records replicas only).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub output: DecisionOutput,
    /// The pool a replica should stand in, `None` when none is wanted.
    pub replica: Option<String>,
}

impl RiskAware {
    /// Interruptions per hour pricing's figures imply for a pool.
    pub fn interruption_rate(&self, c: &PoolWindow) -> f64 {
        let implied = match (c.risk, c.risk_score) {
            (RiskLevel::Unknown, _) | (_, None) => self.params.unknown_interruptions_30d,
            (_, Some(score)) => score * 8.0,
        };
        f64::from(c.interruptions_30d).max(implied) / (30.0 * 24.0)
    }

    /// Downtime, in hours, of one interruption without a ready replica.
    pub fn unprepared_downtime_hours(&self, memory: &MarketMemory) -> f64 {
        let p = &self.params;
        let boot = memory.boot_seconds().unwrap_or(p.assumed_boot_seconds);
        ((boot + p.reaction_seconds - p.notice_seconds).max(0.0) + p.pause_seconds) / 3600.0
    }

    /// Hours an unprotected interruption keeps the group where the
    /// emergency rules landed it. Coming back is a switch: it waits for
    /// the failover cool-down (1 h) and the minimum time in a pool, and
    /// the weekly cap rations it. When the pool's interruptions would need
    /// more returns a week than the cap leaves (after the reserve), a
    /// landing lasts that much longer on average.
    pub fn detour_hours(&self, input: &DecisionInput, rate_per_hour: f64) -> f64 {
        let s = &input.settings;
        let base = f64::from(s.min_pool_duration_hours.max(1));
        let cap = f64::from(s.max_switches_per_week.max(0));
        let slots = (cap - f64::from(self.params.reserved_switches)).max(1.0);
        base * (rate_per_hour * 168.0 / slots).max(1.0)
    }

    /// Scores every candidate with a price, cheapest expected cost first.
    pub fn score_with(&self, input: &DecisionInput, memory: &MarketMemory) -> Vec<PoolScore> {
        let since = input.now - Duration::hours(self.params.price_horizon_hours);
        let boot_h = memory.boot_seconds().unwrap_or(self.params.assumed_boot_seconds) / 3600.0;
        let mut scores: Vec<PoolScore> = input
            .candidates
            .iter()
            .filter_map(|c| {
                let price = if self.params.latest_price { c.latest_price()? } else { c.mean_since(since)? };
                let outlook = memory.outlook(&c.pool_id, input.now, self.interruption_rate(c));
                let rate = outlook.rate_per_hour.max(self.interruption_rate(c));
                let base_cost = price * (1.0 + rate * boot_h);
                Some(PoolScore {
                    pool_id: c.pool_id.clone(),
                    price,
                    interruptions_per_hour: rate,
                    base_cost,
                    detour_cost: 0.0,
                    expected_cost: base_cost,
                    eligible: c.risk != RiskLevel::Avoid && !outlook.out,
                    out: outlook.out,
                    agent_share: c.agent_share(),
                })
            })
            .collect();
        if self.params.detour {
            // Where the emergency rules would land an interrupted group: the
            // least interrupted other eligible pool (they take the safest
            // one known), else on-demand. The detour costs the difference.
            let landing: Vec<f64> = scores
                .iter()
                .map(|p| {
                    scores
                        .iter()
                        .filter(|o| o.eligible && o.pool_id != p.pool_id)
                        .min_by(|a, b| a.interruptions_per_hour.total_cmp(&b.interruptions_per_hour))
                        .map_or(input.on_demand_price, |o| o.price)
                })
                .collect();
            for (p, land) in scores.iter_mut().zip(landing) {
                let hours = self.detour_hours(input, p.interruptions_per_hour);
                p.detour_cost = p.interruptions_per_hour * hours * (land - p.price).max(0.0);
                p.expected_cost = p.base_cost + p.detour_cost;
            }
        }
        scores.sort_by(|a, b| a.expected_cost.total_cmp(&b.expected_cost).then(a.pool_id.cmp(&b.pool_id)));
        scores
    }

    /// [`Self::score_with`] without any learned memory.
    pub fn score(&self, input: &DecisionInput) -> Vec<PoolScore> {
        self.score_with(input, &MarketMemory::default())
    }

    /// Downtime, in hours per hour, an option may plan for: the budget
    /// `1 - target` paced over [`RiskAwareParams::budget_lookahead_hours`],
    /// so a group under its allowance may run riskier pools and one over
    /// it must be safer; `budget_share` of it at most.
    pub fn budget(&self, target_percent: f64, group: &GroupState<'_>) -> f64 {
        if target_percent <= 0.0 {
            return f64::INFINITY;
        }
        let p = &self.params;
        let frac = ((100.0 - target_percent) / 100.0).max(0.0);
        let ahead = p.budget_lookahead_hours.max(1.0);
        let spendable = frac * 3600.0 * (group.accounted_hours.max(0.0) + ahead) - group.downtime_seconds;
        p.budget_share * spendable.max(0.0) / ahead / 3600.0
    }

    /// The long-run downtime rate, hours per hour, a protected placement
    /// (one with a ready replica) may plan for even when the paced budget
    /// is spent: `budget_share x (1 - target)`.
    pub fn protected_budget(&self, target_percent: f64) -> f64 {
        if target_percent <= 0.0 {
            return f64::INFINITY;
        }
        self.params.budget_share * ((100.0 - target_percent) / 100.0).max(0.0)
    }

    /// The decision with what the memory learned and the group's state.
    pub fn plan(&self, input: &DecisionInput, memory: &MarketMemory, group: &GroupState<'_>) -> Plan {
        let scores = self.score_with(input, memory);
        super::policy_plan::plan(self, input, memory, &scores, group)
    }
}

pub(super) fn output(
    action: Action,
    target: Option<Target>,
    confidence: f64,
    reasoning: String,
    saving: f64,
) -> DecisionOutput {
    DecisionOutput {
        schema_version: OUTPUT_SCHEMA_VERSION,
        action,
        target,
        confidence: confidence.clamp(0.0, 1.0),
        reasoning,
        expected_saving_per_hour: if saving.is_finite() { saving } else { 0.0 },
        alternatives: Vec::new(),
    }
}

pub(super) fn spot(pool: &str) -> Option<Target> {
    Some(Target { mode: TargetMode::Spot, pool_id: Some(pool.to_owned()) })
}

pub(super) fn different_az(a: &str, b: &str) -> bool {
    az_of(a) != az_of(b)
}

impl Policy for RiskAware {
    fn name(&self) -> &'static str {
        RISK_AWARE
    }

    /// Without a memory the policy relies on pricing's counts and scores;
    /// the service has no replica to report, so none is assumed.
    fn decide(&self, input: &DecisionInput) -> DecisionOutput {
        self.plan(input, &MarketMemory::default(), &GroupState::default()).output
    }
}
