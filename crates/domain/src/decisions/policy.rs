//! Built-in policies. [`RiskAware`] is the default model: an expected-cost
//! rule that respects the group's availability target.
//!
//! For every candidate spot pool it estimates an interruption rate per hour
//! (the larger of the pool's 30-day notice count and what its risk score
//! implies, `score * 8` notices a month, unknown pools assumed at
//! [`RiskAwareParams::unknown_interruptions_30d`]). A pool is eligible when it
//! is not `avoid` and its expected unprepared downtime (`rate x
//! downtime_per_interruption`) fits the availability budget `1 - target`.
//! Its expected cost per hour is its recent mean price plus the interruption
//! rate times one downtime valued at the on-demand price. The group moves
//! to the cheapest eligible pool when that saves at least
//! `min_savings_percent + hysteresis_percent` of the current cost; it leaves
//! a pool that became ineligible for the best eligible one or on-demand.
//! docs/DECISIONS.md walks through an example.

use super::input::{DecisionInput, PoolWindow, RiskLevel};
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
    /// Recent window whose mean is a pool's price.
    pub price_horizon_hours: i64,
    /// Downtime of one unprepared interruption, in hours (a boot that
    /// outlasts the 2-minute notice).
    pub downtime_per_interruption_hours: f64,
    /// Extra saving, in percent, demanded on top of `min_savings_percent`
    /// before leaving a pool, so prices wobbling around each other do not
    /// make the group flap.
    pub hysteresis_percent: f64,
    /// Notices a month assumed for a pool pricing has not assessed yet.
    pub unknown_interruptions_30d: f64,
}

impl Default for RiskAwareParams {
    fn default() -> Self {
        Self {
            price_horizon_hours: 6,
            downtime_per_interruption_hours: 0.05,
            hysteresis_percent: 2.0,
            unknown_interruptions_30d: 2.0,
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
    pub expected_cost: f64,
    pub eligible: bool,
    pub agent_share: f64,
}

impl RiskAware {
    /// Interruptions per hour the policy assumes for a pool.
    pub fn interruption_rate(&self, c: &PoolWindow) -> f64 {
        let implied = match (c.risk, c.risk_score) {
            (RiskLevel::Unknown, _) | (_, None) => self.params.unknown_interruptions_30d,
            (_, Some(score)) => score * 8.0,
        };
        f64::from(c.interruptions_30d).max(implied) / (30.0 * 24.0)
    }

    /// Scores every candidate with a price.
    pub fn score(&self, input: &DecisionInput) -> Vec<PoolScore> {
        let since = input.now - Duration::hours(self.params.price_horizon_hours);
        let budget = (100.0 - input.settings.availability_target_percent) / 100.0;
        let dt = self.params.downtime_per_interruption_hours;
        let mut scores: Vec<PoolScore> = input
            .candidates
            .iter()
            .filter_map(|c| {
                let price = c.mean_since(since)?;
                let rate = self.interruption_rate(c);
                Some(PoolScore {
                    pool_id: c.pool_id.clone(),
                    price,
                    interruptions_per_hour: rate,
                    expected_cost: price + rate * dt * input.on_demand_price,
                    eligible: c.risk != RiskLevel::Avoid && rate * dt <= budget,
                    agent_share: c.agent_share(),
                })
            })
            .collect();
        scores.sort_by(|a, b| a.expected_cost.total_cmp(&b.expected_cost).then(a.pool_id.cmp(&b.pool_id)));
        scores
    }
}

fn output(
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

fn spot(pool: &str) -> Option<Target> {
    Some(Target { mode: TargetMode::Spot, pool_id: Some(pool.to_owned()) })
}

impl Policy for RiskAware {
    fn name(&self) -> &'static str {
        RISK_AWARE
    }

    fn decide(&self, input: &DecisionInput) -> DecisionOutput {
        let scores = self.score(input);
        let current_pool = if input.instance.on_demand() { None } else { input.instance.pool_id.as_deref() };
        let current = current_pool.and_then(|p| scores.iter().find(|s| s.pool_id == p));
        let best = scores.iter().find(|s| s.eligible && Some(s.pool_id.as_str()) != current_pool);
        let alternatives: Vec<String> =
            scores.iter().filter(|s| s.eligible).take(4).map(|s| s.pool_id.clone()).collect();
        let target_pct = input.settings.availability_target_percent;
        let mut out = match (current_pool, current, best) {
            (Some(p), None, _) => output(
                Action::NoAction,
                None,
                0.0,
                format!("no consolidated price for the current pool {p}"),
                0.0,
            ),
            (Some(p), Some(cur), best) if !cur.eligible => {
                let why = if input.candidate(p).is_some_and(|c| c.risk == RiskLevel::Avoid) {
                    format!("current pool {p} is marked avoid")
                } else {
                    format!(
                        "current pool {p} expects {:.3} interruptions/h, too many for {target_pct}% availability",
                        cur.interruptions_per_hour
                    )
                };
                match best {
                    Some(b) => output(
                        Action::Switch,
                        spot(&b.pool_id),
                        0.5 + 0.5 * b.agent_share,
                        format!("{why}; moving to {} at {:.4}/h", b.pool_id, b.price),
                        cur.price - b.price,
                    ),
                    None => output(
                        Action::Switch,
                        Some(Target { mode: TargetMode::Ondemand, pool_id: None }),
                        0.8,
                        format!("{why}; no eligible spot pool, moving to on-demand"),
                        cur.price - input.on_demand_price,
                    ),
                }
            }
            (_, _, None) => output(
                Action::Stay,
                None,
                0.9,
                format!("no other spot pool is eligible for {target_pct}% availability"),
                0.0,
            ),
            (_, cur, Some(b)) => {
                let (cost, from) = match cur {
                    Some(c) => (c.expected_cost, c.pool_id.as_str()),
                    None => (input.on_demand_price, "on-demand"),
                };
                let saving_pct = (cost - b.expected_cost) / cost * 100.0;
                let required = input.settings.min_savings_percent + self.params.hysteresis_percent;
                if saving_pct >= required {
                    let margin = if required <= 0.0 { 1.0 } else { (saving_pct / (2.0 * required)).min(1.0) };
                    output(
                        Action::Switch,
                        spot(&b.pool_id),
                        0.4 + 0.3 * b.agent_share + 0.3 * margin,
                        format!(
                            "{} expects {:.4}/h against {:.4}/h in {from}: {saving_pct:.1}% cheaper (>= {required:.1}%)",
                            b.pool_id, b.expected_cost, cost
                        ),
                        cost - b.expected_cost,
                    )
                } else {
                    output(
                        Action::Stay,
                        None,
                        0.9,
                        format!(
                            "best alternative {} saves {saving_pct:.1}%, below the {required:.1}% needed to move",
                            b.pool_id
                        ),
                        0.0,
                    )
                }
            }
        };
        out.alternatives = alternatives;
        out
    }
}
