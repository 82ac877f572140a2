//! Guardrails: the rules a validated decision must pass before it becomes a
//! command. Each rule yields a [`Verdict`] with its reason, blocking or not,
//! and the decision log keeps all of them, so an operator sees why a group
//! did not move. Savings are recomputed from the input's prices: a model's
//! own claim of what it saves is never trusted.

use super::input::{DecisionInput, RiskLevel};
use super::output::{Action, DecisionOutput, TargetMode};
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// Settings of the guardrails that are not group settings.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardrailConfig {
    /// The model's confidence threshold (registry field).
    pub confidence_threshold: f64,
    /// No automatic switch this long after a failover (promotion or fallback).
    pub failover_cooldown: Duration,
    /// Window of recent prices compared for `min_savings_percent`.
    pub price_horizon: Duration,
}

impl Default for GuardrailConfig {
    fn default() -> Self {
        Self {
            confidence_threshold: 0.5,
            failover_cooldown: Duration::hours(1),
            price_horizon: Duration::hours(6),
        }
    }
}

/// The outcome of one rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub rule: String,
    pub passed: bool,
    pub reason: String,
}

fn verdict(rule: &str, passed: bool, reason: String) -> Verdict {
    Verdict { rule: rule.to_owned(), passed, reason }
}

/// True when any rule blocked.
pub fn blocked(verdicts: &[Verdict]) -> bool {
    verdicts.iter().any(|v| !v.passed)
}

/// Reasons of the blocking rules, joined (for logs and summaries).
pub fn block_reasons(verdicts: &[Verdict]) -> String {
    verdicts
        .iter()
        .filter(|v| !v.passed)
        .map(|v| format!("{}: {}", v.rule, v.reason))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `(current cost, target cost)` per hour from the input's recent prices.
fn costs(input: &DecisionInput, out: &DecisionOutput, horizon: Duration) -> Option<(f64, f64)> {
    let since = input.now - horizon;
    let current = match input.current_window() {
        Some(w) => w.mean_since(since)?,
        None if input.instance.on_demand() => input.on_demand_price,
        None => return None,
    };
    let target = out.target.as_ref()?;
    let target_cost = match target.mode {
        TargetMode::Ondemand => input.on_demand_price,
        TargetMode::Spot => input.candidate(target.pool_id.as_deref()?)?.mean_since(since)?,
    };
    Some((current, target_cost))
}

/// Runs every rule for a decision that would act (SWITCH, CREATE_REPLICA);
/// STAY and NO_ACTION act on nothing and get no verdicts.
pub fn check(input: &DecisionInput, out: &DecisionOutput, cfg: &GuardrailConfig) -> Vec<Verdict> {
    if !matches!(out.action, Action::Switch | Action::CreateReplica) {
        return Vec::new();
    }
    let s = &input.settings;
    let h = &input.history;
    let current_avoid = input.current_window().is_some_and(|w| w.risk == RiskLevel::Avoid);
    // Leaving an `avoid` pool, or going to on-demand, is a safety move: the
    // price and duration rules exist against flapping for money, not to keep
    // a workload where it is about to be interrupted.
    let safety_move = current_avoid || out.target.as_ref().is_some_and(|t| t.mode == TargetMode::Ondemand);
    let mut v = vec![
        verdict("auto_switch", s.auto_switch, if s.auto_switch { "on" } else { "auto_switch is off" }.into()),
        verdict(
            "confidence",
            out.confidence >= cfg.confidence_threshold,
            format!("confidence {:.3} vs threshold {:.3}", out.confidence, cfg.confidence_threshold),
        ),
        verdict(
            "notice_open",
            !h.notice_open,
            if h.notice_open { "a notice is open" } else { "none open" }.into(),
        ),
        verdict(
            "command_pending",
            !h.command_pending,
            if h.command_pending { "a command is pending" } else { "none pending" }.into(),
        ),
    ];
    let target_pool = out.target.as_ref().and_then(|t| t.pool_id.as_deref());
    let target_avoid =
        target_pool.and_then(|p| input.candidate(p)).is_some_and(|c| c.risk == RiskLevel::Avoid);
    v.push(verdict(
        "never_avoid",
        !target_avoid,
        if target_avoid {
            format!("{} is marked avoid", target_pool.unwrap_or_default())
        } else {
            "target not avoid".into()
        },
    ));
    let cooling = h.last_failover_at.is_some_and(|at| input.now - at < cfg.failover_cooldown);
    v.push(verdict(
        "failover_cooldown",
        !cooling,
        match h.last_failover_at {
            Some(at) if cooling => {
                format!("failover at {at}, cool-down {} min", cfg.failover_cooldown.num_minutes())
            }
            _ => "no recent failover".into(),
        },
    ));
    let cap = u32::try_from(s.max_switches_per_week.max(0)).unwrap_or(0);
    v.push(verdict(
        "max_switches_per_week",
        h.switches_last_week < cap,
        format!("{} switches in 7 days, cap {cap}", h.switches_last_week),
    ));
    let min_hours = f64::from(s.min_pool_duration_hours);
    let young = !input.instance.on_demand() && input.instance.hours_in_pool < min_hours;
    v.push(verdict(
        "min_pool_duration_hours",
        !young || safety_move,
        format!(
            "{:.1} h in pool, minimum {min_hours} h{}",
            input.instance.hours_in_pool,
            if young && safety_move { " (safety move)" } else { "" }
        ),
    ));
    v.push(match (safety_move, costs(input, out, cfg.price_horizon)) {
        (true, _) => verdict("min_savings_percent", true, "safety move: savings rule does not apply".into()),
        (false, None) => verdict("min_savings_percent", false, "no price to compare".into()),
        (false, Some((cur, tgt))) => {
            let pct = (cur - tgt) / cur * 100.0;
            verdict(
                "min_savings_percent",
                pct >= s.min_savings_percent,
                format!("{pct:.1}% cheaper ({cur:.4} -> {tgt:.4}/h), minimum {}%", s.min_savings_percent),
            )
        }
    });
    v
}
