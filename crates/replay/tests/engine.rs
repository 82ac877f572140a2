//! The replay model on hand-made markets: what an interruption costs with
//! and without a ready replica, billing, and the analytic baselines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};
use spot_replay::engine::strategies::{Intent, ReplicaIntent, Strategy, View};
use spot_replay::engine::world::{Place, Stats};
use spot_replay::{Pool, ReplayConfig, StrategyKind, Trace, run_one, run_strategy};

/// Pools a (0.03) and b (0.05) of m5.large in two AZs, on-demand 0.10,
/// 12 ticks of 10 minutes; pool a is reclaimed at tick 5 for good.
fn market() -> Trace {
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let pools = ["us-east-1a", "us-east-1b"]
        .iter()
        .map(|az| Pool { region: "us-east-1".into(), az: (*az).into(), instance_type: "m5.large".into() })
        .collect();
    let mut t =
        Trace { pools, times: Vec::new(), spot: Vec::new(), on_demand: Vec::new(), available: Vec::new() };
    for k in 0..12 {
        t.times.push(t0 + Duration::minutes(10 * k));
        t.spot.extend([0.03, 0.05]);
        t.on_demand.extend([0.10, 0.10]);
        t.available.extend([k < 5, true]);
    }
    t
}

/// `strategy` on [`market`] with a 180 s boot: the one workload's counters.
fn one_workload(strategy: &mut dyn Strategy) -> Stats {
    let stats = run_strategy(&market(), &ReplayConfig::new(180.0, None, 7), strategy);
    stats.into_iter().next().expect("one workload")
}

#[test]
fn an_unprepared_interruption_costs_the_boot_beyond_the_notice() {
    let trace = market();
    let slow = run_one(&trace, &ReplayConfig::new(180.0, None, 7), &StrategyKind::Greedy);
    assert_eq!((slow.interruptions, slow.failovers), (1, 1));
    // 180 s (+-5 % jitter) boot - 120 s notice + 2 s pause.
    assert!((50.0..=75.0).contains(&slow.downtime_seconds), "{slow:?}");
    assert!(slow.availability_percent < 100.0);
    let fast = run_one(&trace, &ReplayConfig::new(90.0, None, 7), &StrategyKind::Greedy);
    assert!((fast.downtime_seconds - 2.0).abs() < 1e-9, "only the pause: {fast:?}");
}

/// Keeps a replica in pool b from the first tick.
struct WithReplica;

impl Strategy for WithReplica {
    fn decide(&mut self, v: &View<'_>) -> Intent {
        let b = v.w.candidates[1];
        if v.w.primary_pool() == Some(b) {
            return Intent::STAY;
        }
        Intent { switch: None, replica: ReplicaIntent::Create(b) }
    }
}

#[test]
fn a_ready_replica_turns_an_interruption_into_a_pause() {
    let s = &one_workload(&mut WithReplica);
    assert_eq!((s.interruptions, s.failovers), (1, 1));
    assert!((s.downtime_secs - 2.0).abs() < 1e-9, "{s:?}");
    // The replica ran from tick 0 until it was promoted at tick 5 (50 min).
    assert!((s.replica_hours - 50.0 / 60.0).abs() < 1e-6, "{s:?}");
    // Billing: a for 50 min + b for 120 min = 0.025 + 0.1.
    assert!((s.cost - (0.03 * 50.0 / 60.0 + 0.05 * 2.0)).abs() < 1e-9, "{s:?}");
}

/// Moves to on-demand at the first tick.
struct ToOnDemand;

impl Strategy for ToOnDemand {
    fn decide(&mut self, _v: &View<'_>) -> Intent {
        Intent { switch: Some(Place::OnDemand), replica: ReplicaIntent::Keep }
    }
}

#[test]
fn a_switch_bills_both_instances_while_they_overlap_and_costs_a_pause() {
    let s = &one_workload(&mut ToOnDemand);
    assert_eq!((s.switches, s.interruptions), (1, 0));
    assert!((s.downtime_secs - 2.0).abs() < 1e-9);
    // Boot b in [171, 189] s at both prices, then on-demand to the end.
    let min = 0.03 * 171.0 / 3600.0 + 0.10 * 2.0;
    let max = 0.03 * 189.0 / 3600.0 + 0.10 * 2.0;
    assert!(s.cost >= min - 1e-9 && s.cost <= max + 1e-9, "{s:?}");
}

#[test]
fn baselines_bound_the_frontier() {
    let trace = market();
    let cfg = ReplayConfig::new(180.0, None, 7);
    let od = run_one(&trace, &cfg, &StrategyKind::AlwaysOnDemand);
    assert_eq!((od.savings_percent, od.availability_percent), (0.0, 100.0));
    let oracle = run_one(&trace, &cfg, &StrategyKind::Oracle);
    // 50 min at 0.03, 70 min at 0.05 against 120 min at 0.10.
    let want = (1.0 - (0.03 * 50.0 + 0.05 * 70.0) / (0.10 * 120.0)) * 100.0;
    assert!((oracle.savings_percent - want).abs() < 1e-9, "{oracle:?}");
    for kind in StrategyKind::all() {
        let o = run_one(&trace, &cfg, &kind);
        assert!(o.savings_percent <= oracle.savings_percent + 1e-9, "{o:?}");
    }
}
