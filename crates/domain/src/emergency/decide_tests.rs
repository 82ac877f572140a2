//! Unit tests of the emergency decisions (decide.rs), one rule per test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

const NOTICED: &str = "m5.large.us-east-1a";

fn pool(id: &str, samples: u32, avg: f64, rec: Recommendation, score: f64) -> BootStats {
    BootStats {
        pool_id: id.into(),
        samples,
        avg_seconds: avg,
        recommendation: Some(rec),
        risk_score: Some(score),
    }
}

fn stats() -> Vec<BootStats> {
    vec![
        pool(NOTICED, 9, 20.0, Recommendation::Safe, 0.1),
        pool("m5.large.us-east-1b", 4, 40.0, Recommendation::Safe, 0.2),
        pool("m5.large.us-east-1c", 5, 30.0, Recommendation::Caution, 0.5),
    ]
}

fn facts(stats: &[BootStats]) -> TerminationFacts<'_> {
    TerminationFacts {
        typed: false,
        noticed_pool: Some(NOTICED),
        ready_replica: None,
        signals: PoolSignals::default(),
        stats,
        deadline_passed: false,
    }
}

#[test]
fn a_ready_replica_is_promoted_whatever_the_agent() {
    let s = stats();
    for typed in [false, true] {
        let d = decide_termination(&TerminationFacts { typed, ready_replica: Some("r-1"), ..facts(&s) });
        assert_eq!(d.action, "promoted");
        assert_eq!(d.effects, vec![Effect::Promote { replica_id: "r-1".into() }]);
    }
}

#[test]
fn v4_in_a_fine_pool_gets_a_same_pool_replica_and_no_command() {
    let s = stats();
    let d = decide_termination(&facts(&s));
    assert_eq!(d.action, "same_pool_replica");
    assert_eq!(d.effects, vec![Effect::AnswerSamePoolReplica]);
}

#[test]
fn v4_in_an_unsafe_pool_gets_one_switch_to_the_fastest_safe_pool_never_a_same_pool_replica() {
    let s = stats();
    let cases = [
        PoolSignals { others_in_pool: 1, ..PoolSignals::default() },
        PoolSignals { others_in_az: 2, ..PoolSignals::default() },
        PoolSignals { risk: Some(Recommendation::Avoid), ..PoolSignals::default() },
        PoolSignals { rebalance_preceded: true, ..PoolSignals::default() },
    ];
    for signals in cases {
        let d = decide_termination(&TerminationFacts { signals, ..facts(&s) });
        assert_eq!(d.action, "switch", "{signals:?}");
        assert!(!d.effects.contains(&Effect::AnswerSamePoolReplica));
        let switches: Vec<_> = d.effects.iter().filter(|e| matches!(e, Effect::QueueSwitch(_))).collect();
        assert_eq!(switches, vec![&Effect::QueueSwitch(Target::Pool("m5.large.us-east-1c".into()))]);
        assert!(d.reason.contains("unsafe"), "{}", d.reason);
    }
    // One AZ-wide notice in a one-notice AZ is not a burst.
    let calm = PoolSignals { others_in_az: 1, ..PoolSignals::default() };
    assert_eq!(calm.unsafe_reason(), None);
}

#[test]
fn a_burst_escalates_earlier_same_pool_replicas() {
    let s = stats();
    let signals = PoolSignals { others_in_pool: 2, ..PoolSignals::default() };
    let d = decide_termination(&TerminationFacts { signals, ..facts(&s) });
    assert!(d.effects.contains(&Effect::EscalateEarlier(Target::Pool("m5.large.us-east-1c".into()))));
    let avoid = PoolSignals { risk: Some(Recommendation::Avoid), ..PoolSignals::default() };
    let d = decide_termination(&TerminationFacts { signals: avoid, ..facts(&s) });
    assert!(
        !d.effects.iter().any(|e| matches!(e, Effect::EscalateEarlier(_))),
        "no burst, nothing to escalate"
    );
}

#[test]
fn without_any_other_safe_pool_v4_switches_to_on_demand_and_is_marked_for_return() {
    let s = vec![pool(NOTICED, 9, 20.0, Recommendation::Safe, 0.1)];
    let signals = PoolSignals { others_in_az: 5, ..PoolSignals::default() };
    let d = decide_termination(&TerminationFacts { signals, ..facts(&s) });
    assert_eq!(d.target, Some(Target::OnDemand));
    assert!(d.effects.contains(&Effect::QueueSwitch(Target::OnDemand)));
    assert!(d.effects.contains(&Effect::MarkReturnToSpot));
}

#[test]
fn typed_agents_get_create_replica_in_the_chosen_pool() {
    let s = stats();
    let d = decide_termination(&TerminationFacts { typed: true, ..facts(&s) });
    assert_eq!(d.action, "create_replica");
    assert_eq!(d.effects, vec![Effect::QueueCreateReplica(Target::Pool("m5.large.us-east-1c".into()))]);
}

#[test]
fn a_passed_deadline_goes_down_the_fallback_chain_at_once() {
    let s = stats();
    let d = decide_termination(&TerminationFacts { deadline_passed: true, ..facts(&s) });
    assert!(d.missed);
    assert_eq!(d.effects, vec![Effect::QueueSwitch(Target::Pool("m5.large.us-east-1c".into()))]);
}

#[test]
fn the_fallback_chain_is_next_safe_pool_then_on_demand() {
    let s = stats();
    let first = decide_fallback(false, &s, &[NOTICED, "m5.large.us-east-1c"]);
    assert_eq!(first.effects, vec![Effect::QueueSwitch(Target::Pool("m5.large.us-east-1b".into()))]);
    let last = decide_fallback(false, &s, &[NOTICED, "m5.large.us-east-1c", "m5.large.us-east-1b"]);
    assert_eq!(last.effects, vec![Effect::QueueSwitch(Target::OnDemand), Effect::MarkReturnToSpot]);
    let typed = decide_fallback(true, &s, &[NOTICED, "m5.large.us-east-1c", "m5.large.us-east-1b"]);
    assert_eq!(typed.effects[0], Effect::QueueCreateReplica(Target::OnDemand));
}

fn rebalance(s: &[BootStats], policy: RebalancePolicy) -> RebalanceFacts<'_> {
    RebalanceFacts {
        typed: false,
        policy,
        pool: NOTICED,
        score: 0.8,
        has_ready_replica: false,
        notice_open: false,
        stats: s,
    }
}

#[test]
fn rebalance_switch_is_one_switch_to_a_lower_risk_pool_never_under_an_open_notice() {
    let s = stats();
    let d = decide_rebalance(&rebalance(&s, RebalancePolicy::Switch));
    assert_eq!(d.action, "switch");
    assert_eq!(d.effects, vec![Effect::QueueSwitch(Target::Pool("m5.large.us-east-1c".into()))]);
    let open =
        decide_rebalance(&RebalanceFacts { notice_open: true, ..rebalance(&s, RebalancePolicy::Switch) });
    assert_eq!((open.action, open.effects.len()), ("monitor", 0));
    let riskier = decide_rebalance(&RebalanceFacts { score: 0.3, ..rebalance(&s, RebalancePolicy::Switch) });
    assert_eq!(riskier.action, "monitor", "the only candidate is riskier than the current pool");
}

#[test]
fn rebalance_monitor_and_prespin() {
    let s = stats();
    assert_eq!(decide_rebalance(&rebalance(&s, RebalancePolicy::Monitor)).action, "monitor");
    assert_eq!(
        decide_rebalance(&rebalance(&s, RebalancePolicy::Prespin)).action,
        "monitor",
        "v4 cannot pre-spin"
    );
    let typed = decide_rebalance(&RebalanceFacts { typed: true, ..rebalance(&s, RebalancePolicy::Prespin) });
    assert_eq!(typed.action, "prespin");
    let ready =
        RebalanceFacts { typed: true, has_ready_replica: true, ..rebalance(&s, RebalancePolicy::Prespin) };
    assert_eq!(decide_rebalance(&ready).action, "monitor");
}
