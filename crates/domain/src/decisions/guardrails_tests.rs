//! Every guardrail blocks with its reason.

use super::fixtures::{input, now};
use super::guardrails::{block_reasons, blocked, check};
use super::*;
use chrono::Duration;

fn switch_to(pool: &str, confidence: f64) -> DecisionOutput {
    DecisionOutput {
        schema_version: OUTPUT_SCHEMA_VERSION,
        action: Action::Switch,
        target: Some(Target { mode: TargetMode::Spot, pool_id: Some(pool.into()) }),
        confidence,
        reasoning: String::new(),
        expected_saving_per_hour: 0.02,
        alternatives: vec![],
    }
}

fn failing(i: &DecisionInput, o: &DecisionOutput) -> Vec<String> {
    check(i, o, &GuardrailConfig::default()).into_iter().filter(|v| !v.passed).map(|v| v.rule).collect()
}

#[test]
fn a_good_switch_passes_every_rule() {
    let i = input(0.05, 0.03, 0.04);
    let v = check(&i, &switch_to("m5.large.us-east-1b", 0.9), &GuardrailConfig::default());
    assert_eq!(v.len(), 9);
    assert!(!blocked(&v), "{}", block_reasons(&v));
}

#[test]
fn stay_has_no_verdicts() {
    let i = input(0.05, 0.03, 0.04);
    let mut o = switch_to("m5.large.us-east-1b", 0.9);
    o.action = Action::Stay;
    assert!(check(&i, &o, &GuardrailConfig::default()).is_empty());
}

type Change = Box<dyn Fn(&mut DecisionInput)>;

#[test]
fn each_rule_blocks_alone() {
    let o = switch_to("m5.large.us-east-1b", 0.9);
    let cases: Vec<(&str, Change)> = vec![
        ("auto_switch", Box::new(|i| i.settings.auto_switch = false)),
        ("notice_open", Box::new(|i| i.history.notice_open = true)),
        ("command_pending", Box::new(|i| i.history.command_pending = true)),
        ("failover_cooldown", Box::new(|i| i.history.last_failover_at = Some(now() - Duration::minutes(20)))),
        ("max_switches_per_week", Box::new(|i| i.history.switches_last_week = 10)),
        ("min_pool_duration_hours", Box::new(|i| i.instance.hours_in_pool = 1.0)),
        ("min_savings_percent", Box::new(|i| i.settings.min_savings_percent = 50.0)),
        ("never_avoid", Box::new(|i| i.candidates[1].risk = RiskLevel::Avoid)),
    ];
    for (rule, change) in cases {
        let mut i = input(0.05, 0.03, 0.04);
        change(&mut i);
        assert_eq!(failing(&i, &o), vec![rule.to_owned()], "{rule}");
    }
    let i = input(0.05, 0.03, 0.04);
    assert_eq!(failing(&i, &switch_to("m5.large.us-east-1b", 0.3)), vec!["confidence".to_owned()]);
}

#[test]
fn an_old_failover_no_longer_blocks() {
    let mut i = input(0.05, 0.03, 0.04);
    i.history.last_failover_at = Some(now() - Duration::hours(3));
    assert!(failing(&i, &switch_to("m5.large.us-east-1b", 0.9)).is_empty());
}

#[test]
fn leaving_an_avoid_pool_skips_the_money_rules() {
    let mut i = input(0.03, 0.05, 0.06);
    i.candidates[0].risk = RiskLevel::Avoid;
    i.instance.hours_in_pool = 0.5;
    assert!(failing(&i, &switch_to("m5.large.us-east-1b", 0.9)).is_empty());
}

#[test]
fn savings_use_the_input_prices_not_the_model_claim() {
    let i = input(0.05, 0.049, 0.04);
    let mut o = switch_to("m5.large.us-east-1b", 0.9);
    o.expected_saving_per_hour = 100.0;
    assert_eq!(failing(&i, &o), vec!["min_savings_percent".to_owned()]);
}
