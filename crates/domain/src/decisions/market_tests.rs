//! The online memory and the policy's use of it.

use super::fixtures::{input, now};
use super::*;
use chrono::Duration;

const A: &str = "m5.large.us-east-1a";
const B: &str = "m5.large.us-east-1b";

fn hit(m: &mut MarketMemory, pool: &str, hours_ago: i64) {
    m.observe(&MarketEvent::Interruption { pool: pool.into(), at: now() - Duration::hours(hours_ago) });
    m.observe(&MarketEvent::CapacityReturned {
        pool: pool.into(),
        at: now() - Duration::hours(hours_ago) + Duration::minutes(20),
    });
}

fn watched() -> MarketMemory {
    let mut m = MarketMemory::default();
    m.start(now() - Duration::days(20));
    m.observe(&MarketEvent::Boot { seconds: 180.0 });
    m
}

#[test]
fn a_burst_raises_the_rate_at_once_and_it_decays() {
    let mut m = watched();
    let calm = m.outlook(A, now(), 0.001).rate_per_hour;
    for h in [1, 2, 3, 4] {
        hit(&mut m, A, h);
    }
    let burst = m.outlook(A, now(), 0.001).rate_per_hour;
    assert!(burst > 10.0 * calm, "{calm} -> {burst}");
    let later = m.outlook(A, now() + Duration::days(3), 0.001).rate_per_hour;
    assert!(later < burst / 3.0, "{burst} -> {later}");
}

#[test]
fn an_interrupted_pool_is_out_until_capacity_returns() {
    let mut m = watched();
    m.observe(&MarketEvent::Interruption { pool: A.into(), at: now() });
    assert!(m.outlook(A, now(), 0.0).out);
    m.observe(&MarketEvent::CapacityReturned { pool: A.into(), at: now() + Duration::minutes(5) });
    let o = m.outlook(A, now() + Duration::minutes(10), 0.0);
    assert!(!o.out);
    // Just back: the relapse hazard (prior one in two over six hours).
    assert!(o.rate_per_hour >= 0.05, "{o:?}");
}

#[test]
fn pools_of_one_az_hit_together_make_an_az_event_that_marks_other_pools_of_the_az() {
    let mut m = watched();
    let at = now() - Duration::hours(1);
    m.observe(&MarketEvent::Interruption { pool: A.into(), at });
    m.observe(&MarketEvent::Interruption { pool: "c5.large.us-east-1a".into(), at });
    let sibling = m.outlook("r5.large.us-east-1a", now(), 0.0).rate_per_hour;
    let elsewhere = m.outlook("r5.large.us-east-1b", now(), 0.0).rate_per_hour;
    assert!(sibling > elsewhere, "{sibling} vs {elsewhere}");
}

#[test]
fn a_hot_pool_under_a_tight_target_gets_a_replica_in_another_az() {
    let mut m = watched();
    for h in [2, 5, 9, 14, 20] {
        hit(&mut m, A, h);
    }
    // The other pools are hot too: no pool alone fits 99.9 %.
    for h in [3, 8, 16] {
        hit(&mut m, B, h);
        hit(&mut m, "m5.large.us-east-1c", h);
    }
    let mut i = input(0.030, 0.045, 0.050);
    i.settings.availability_target_percent = 99.9;
    let plan = RiskAware::default().plan(&i, &m, &GroupState::default());
    assert_eq!(plan.output.action, Action::CreateReplica, "{:?}", plan.output);
    let r = plan.replica.clone().unwrap_or_default();
    assert_ne!(market::az_of(&r), "us-east-1a");
    // Once it is there, the policy keeps it and stays.
    let kept = RiskAware::default().plan(&i, &m, &GroupState { replica: Some(&r), ..GroupState::default() });
    assert_eq!(kept.output.action, Action::Stay);
    assert_eq!(kept.replica.as_deref(), Some(r.as_str()));
    // Without a target the same pool runs alone: the replica is released.
    i.settings.availability_target_percent = 0.0;
    let free = RiskAware::default().plan(&i, &m, &GroupState { replica: Some(&r), ..GroupState::default() });
    assert_eq!(free.replica, None);
}

#[test]
fn unspent_downtime_budget_buys_risk_and_an_overspent_one_buys_safety() {
    let p = RiskAware::default();
    let fresh = p.budget(99.9, &GroupState::default());
    let thrifty = p.budget(99.9, &GroupState { accounted_hours: 500.0, ..GroupState::default() });
    let spent = p.budget(
        99.9,
        &GroupState { accounted_hours: 500.0, downtime_seconds: 3_000.0, ..GroupState::default() },
    );
    assert!(thrifty > fresh && spent < fresh, "{fresh} {thrifty} {spent}");
    assert!(p.budget(0.0, &GroupState::default()).is_infinite());
}

#[test]
fn a_pool_that_is_out_is_never_a_target() {
    let mut m = watched();
    m.observe(&MarketEvent::Interruption { pool: B.into(), at: now() - Duration::minutes(3) });
    let i = input(0.050, 0.010, 0.040);
    let plan = RiskAware::default().plan(&i, &m, &GroupState::default());
    assert_ne!(plan.output.target.and_then(|t| t.pool_id).as_deref(), Some(B));
}
