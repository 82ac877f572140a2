//! The built-in risk-aware policy.

use super::fixtures::{input, now};
use super::*;
use chrono::Duration;

fn decide(i: &DecisionInput) -> DecisionOutput {
    RiskAware::default().decide(i)
}

fn target_pool(o: &DecisionOutput) -> Option<&str> {
    o.target.as_ref().and_then(|t| t.pool_id.as_deref())
}

#[test]
fn switches_to_the_cheapest_pool_when_it_saves_enough() {
    let o = decide(&input(0.050, 0.030, 0.040));
    assert_eq!(o.action, Action::Switch);
    assert_eq!(target_pool(&o), Some("m5.large.us-east-1b"));
    assert!(o.expected_saving_per_hour > 0.019 && o.expected_saving_per_hour < 0.021, "{o:?}");
    assert!(o.confidence > 0.9, "{o:?}");
    assert_eq!(o.alternatives.first().map(String::as_str), Some("m5.large.us-east-1b"));
}

#[test]
fn stays_when_the_saving_is_inside_the_hysteresis() {
    // 11 % cheaper: above min_savings (10 %) but below 10 + 2 hysteresis.
    let o = decide(&input(0.050, 0.0445, 0.049));
    assert_eq!(o.action, Action::Stay, "{o:?}");
    assert!(o.reasoning.contains("below"));
}

#[test]
fn never_targets_an_avoid_pool_even_when_cheapest() {
    let mut i = input(0.050, 0.010, 0.040);
    i.candidates[1].risk = RiskLevel::Avoid;
    let o = decide(&i);
    assert_eq!(target_pool(&o), Some("m5.large.us-east-1c"));
}

#[test]
fn leaves_a_pool_that_became_avoid_even_at_a_higher_price() {
    // `avoid` alone forbids going there; leaving needs a downtime the
    // target cannot afford (40 notices a month here).
    let mut i = input(0.030, 0.045, 0.050);
    i.candidates[0].risk = RiskLevel::Avoid;
    i.candidates[0].risk_score = Some(0.8);
    i.candidates[0].interruptions_30d = 40;
    i.settings.availability_target_percent = 99.95;
    let o = decide(&i);
    assert_eq!((o.action, target_pool(&o)), (Action::Switch, Some("m5.large.us-east-1b")));
    assert!(o.reasoning.contains("avoid"));
}

#[test]
fn stays_in_an_avoid_pool_when_nothing_else_is_eligible_and_the_budget_allows() {
    let mut i = input(0.030, 0.045, 0.050);
    for c in &mut i.candidates {
        c.risk = RiskLevel::Avoid;
    }
    assert_eq!(decide(&i).action, Action::Stay);
}

#[test]
fn moves_to_on_demand_when_no_spot_option_fits_the_target() {
    let mut i = input(0.030, 0.045, 0.050);
    for c in &mut i.candidates {
        c.risk = RiskLevel::Avoid;
        c.interruptions_30d = 200;
    }
    i.settings.availability_target_percent = 99.99;
    let o = decide(&i);
    assert_eq!(o.action, Action::Switch);
    assert_eq!(o.target.map(|t| t.mode), Some(TargetMode::Ondemand));
}

#[test]
fn the_availability_target_excludes_interruption_prone_pools() {
    // 30 notices a month: 0.042/h x 0.05 h = 0.21 % expected downtime.
    let mut i = input(0.050, 0.020, 0.040);
    i.candidates[1].interruptions_30d = 30;
    i.settings.availability_target_percent = 99.9;
    assert_eq!(target_pool(&decide(&i)), Some("m5.large.us-east-1c"));
    // A relaxed target accepts it.
    i.settings.availability_target_percent = 99.0;
    assert_eq!(target_pool(&decide(&i)), Some("m5.large.us-east-1b"));
}

#[test]
fn on_demand_groups_return_to_spot() {
    let mut i = input(0.050, 0.030, 0.040);
    i.instance.mode = "ondemand".into();
    i.instance.pool_id = None;
    i.history.return_to_spot = true;
    let o = decide(&i);
    assert_eq!((o.action, target_pool(&o)), (Action::Switch, Some("m5.large.us-east-1b")));
}

#[test]
fn no_price_for_the_current_pool_is_no_action() {
    let mut i = input(0.050, 0.030, 0.040);
    i.candidates[0].points.clear();
    assert_eq!(decide(&i).action, Action::NoAction);
}

#[test]
fn recent_prices_weigh_not_last_week() {
    // Pool b was cheap long ago, expensive in the last hours.
    let mut i = input(0.050, 0.030, 0.060);
    for p in &mut i.candidates[1].points {
        if p.at > now() - Duration::hours(6) {
            p.price = 0.080;
        }
    }
    assert_eq!(decide(&i).action, Action::Stay);
}

#[test]
fn the_policy_output_always_validates() {
    for (a, b, c) in [(0.05, 0.03, 0.04), (0.03, 0.05, 0.06), (0.05, 0.0445, 0.049)] {
        let i = input(a, b, c);
        let o = decide(&i);
        assert_eq!(validate_output(&o.to_raw(), &i).map(|v| v.action), Ok(o.action));
    }
}

/// An input whose current pool (a) sees `notices` a month, the others few.
fn hot_current(notices: u32, target: f64) -> DecisionInput {
    let mut i = input(0.030, 0.045, 0.050);
    i.candidates[0].interruptions_30d = notices;
    i.settings.availability_target_percent = target;
    i
}

#[test]
fn an_overspent_group_keeps_its_replica_instead_of_fleeing_to_on_demand() {
    // 30 notices a month: ~8 s/h of downtime alone, over 99.9 %'s 3.6 s/h.
    let i = hot_current(30, 99.9);
    let policy = RiskAware::default();
    let overspent = GroupState {
        replica: Some("m5.large.us-east-1b"),
        downtime_seconds: 10_000.0,
        accounted_hours: 100.0,
    };
    assert_eq!(policy.budget(99.9, &overspent), 0.0, "the paced budget is spent");
    let plan = policy.plan(&i, &MarketMemory::default(), &overspent);
    assert_eq!(plan.output.action, Action::Stay, "{plan:?}");
    assert_eq!(plan.replica.as_deref(), Some("m5.large.us-east-1b"), "{plan:?}");
    // Without the replica the same group first buys one.
    let bare = GroupState { replica: None, ..overspent };
    let plan = policy.plan(&i, &MarketMemory::default(), &bare);
    assert_eq!(plan.output.action, Action::CreateReplica, "{plan:?}");
}

#[test]
fn the_protected_budget_is_the_long_run_rate_and_none_without_a_target() {
    let policy = RiskAware::default();
    assert!((policy.protected_budget(99.9) - 0.001).abs() < 1e-12);
    assert!(policy.protected_budget(0.0).is_infinite());
}

#[test]
fn on_demand_only_when_the_weekly_cap_leaves_a_way_back() {
    // Every pool is hot (200 notices a month): even with a replica the
    // downtime is over 99.99 %'s budget, so on-demand is the answer...
    let mut i = hot_current(200, 99.99);
    for c in &mut i.candidates {
        c.interruptions_30d = 200;
    }
    let o = decide(&i);
    assert_eq!((o.action, o.target.map(|t| t.mode)), (Action::Switch, Some(TargetMode::Ondemand)));
    // ...unless the switch there would be the last one of the week: the
    // group keeps spot and protects it with a replica.
    i.history.switches_last_week = 9;
    let o = decide(&i);
    assert_eq!(o.action, Action::CreateReplica, "{o:?}");
    assert_eq!(target_pool(&o), Some("m5.large.us-east-1b"));
}

/// An on-demand group choosing between a cheap pool reclaimed 200 times a
/// month (a) and a calm one 13 % dearer (b), with no availability target.
fn hot_cheap_or_calm() -> DecisionInput {
    let mut i = input(0.030, 0.034, 0.050);
    i.instance.mode = "ondemand".into();
    i.instance.pool_id = None;
    i.candidates[0].interruptions_30d = 200;
    i.settings.availability_target_percent = 0.0;
    i
}

#[test]
fn a_hot_pools_detours_make_a_calm_dearer_pool_the_cheaper_choice() {
    // 200 notices a month: 0.28/h, 47 a week against the 7 returns the
    // cap leaves, so each landing lasts 2 h x 6.7; every one of them spent
    // in b at +0.004/h costs more than b's premium.
    let i = hot_cheap_or_calm();
    let policy = RiskAware::default();
    let scores = policy.score(&i);
    let a =
        scores.iter().find(|s| s.pool_id == "m5.large.us-east-1a").map(|s| (s.detour_cost, s.expected_cost));
    assert!(a.is_some_and(|(detour, cost)| detour > 0.01 && cost > 0.034), "{scores:?}");
    assert!((policy.detour_hours(&i, 0.28) - 2.0 * 0.28 * 168.0 / 7.0).abs() < 1e-9);
    assert!((policy.detour_hours(&i, 0.01) - 2.0).abs() < 1e-9, "no pressure: the minimum time in a pool");
    assert_eq!(target_pool(&decide(&i)), Some("m5.large.us-east-1b"));
    // Without the detour term the price and the boots alone pick a.
    let blind = RiskAware { params: RiskAwareParams { detour: false, ..RiskAwareParams::default() } };
    assert_eq!(target_pool(&blind.decide(&i)), Some("m5.large.us-east-1a"));
}
