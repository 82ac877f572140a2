//! Tests of the command priority, type and status tables and of the delivery order.

use chrono::{DateTime, Duration, Utc};

use super::command::CommandStatus::*;
use super::command::*;
use super::lifecycle_checks::{match_the_table, round_trips};

#[test]
fn priorities_have_fixed_values_and_order() {
    let values: Vec<i32> = CommandPriority::ALL.iter().map(CommandPriority::value).collect();
    assert_eq!(values, vec![10, 25, 50, 75, 100]);
    for p in CommandPriority::ALL {
        assert_eq!(CommandPriority::from_value(p.value()), Some(p));
    }
    for unknown in [0, 11, 99, 101, -10] {
        assert_eq!(CommandPriority::from_value(unknown), None);
    }
    assert!(CommandPriority::Emergency > CommandPriority::Manual);
    assert!(CommandPriority::Manual > CommandPriority::ModelUrgent);
    assert!(CommandPriority::ModelUrgent > CommandPriority::Model);
    assert!(CommandPriority::Model > CommandPriority::Scheduled);
}

#[test]
fn types_round_trip() {
    let spelled = ["SWITCH", "CREATE_REPLICA", "PROMOTE_REPLICA", "TERMINATE_INSTANCE", "CLEANUP"];
    round_trips(&CommandType::ALL, &spelled, CommandType::as_str, CommandType::parse);
    assert_eq!(CommandType::parse("REBOOT"), None);
}

#[test]
fn only_switch_reaches_v4_agents() {
    for t in CommandType::ALL {
        assert_eq!(v4_can_run(t), t == CommandType::Switch, "{t}");
    }
}

#[test]
fn statuses_round_trip_and_terminals() {
    let spelled = ["pending", "delivered", "succeeded", "failed", "expired"];
    round_trips(&CommandStatus::ALL, &spelled, CommandStatus::as_str, CommandStatus::parse);
    assert_eq!(CommandStatus::parse("running"), None);
    let terminal: Vec<_> = CommandStatus::ALL.into_iter().filter(CommandStatus::is_terminal).collect();
    assert_eq!(terminal, vec![Succeeded, Failed, Expired]);
}

const ALLOWED: [(CommandStatus, CommandStatus); 7] = [
    (Pending, Delivered),
    (Pending, Succeeded),
    (Pending, Failed),
    (Pending, Expired),
    (Delivered, Succeeded),
    (Delivered, Failed),
    (Delivered, Expired),
];

#[test]
fn every_status_pair_matches_the_table() {
    let error = |from, to| CommandTransitionError { from, to };
    match_the_table(&CommandStatus::ALL, &ALLOWED, command_transition, error);
}

#[test]
fn terminal_statuses_never_move() {
    for from in CommandStatus::ALL.into_iter().filter(CommandStatus::is_terminal) {
        for to in CommandStatus::ALL.into_iter().filter(|to| *to != from) {
            assert!(command_transition(from, to).is_err(), "{from} -> {to}");
        }
    }
}

#[test]
fn transition_error_has_code_and_message() {
    let err = CommandTransitionError { from: Succeeded, to: Pending };
    assert_eq!(err.code(), "invalid_transition");
    assert_eq!(err.to_string(), "command cannot go from succeeded to pending");
}

#[test]
fn pending_goes_out_by_priority_then_age() {
    use CommandPriority::*;
    let t0 = DateTime::<Utc>::UNIX_EPOCH;
    let at = |s: i64| t0 + Duration::seconds(s);
    let mut items = vec![
        ("sched-old", Scheduled, at(0)),
        ("model-new", Model, at(50)),
        ("emergency-new", Emergency, at(90)),
        ("manual", Manual, at(40)),
        ("model-old", Model, at(10)),
        ("emergency-old", Emergency, at(80)),
        ("urgent", ModelUrgent, at(60)),
    ];
    sort_pending(&mut items, |(_, p, t)| (*p, *t));
    let order: Vec<&str> = items.iter().map(|(name, _, _)| *name).collect();
    assert_eq!(
        order,
        vec!["emergency-old", "emergency-new", "manual", "urgent", "model-old", "model-new", "sched-old"]
    );
}

#[test]
fn full_ties_keep_their_order_and_empty_is_fine() {
    let t = DateTime::<Utc>::UNIX_EPOCH;
    let mut items =
        vec![(1, CommandPriority::Manual), (2, CommandPriority::Manual), (3, CommandPriority::Manual)];
    sort_pending(&mut items, |(_, p)| (*p, t));
    assert_eq!(items.iter().map(|(n, _)| *n).collect::<Vec<_>>(), vec![1, 2, 3]);
    let mut empty: Vec<u8> = Vec::new();
    sort_pending(&mut empty, |_| (CommandPriority::Scheduled, t));
    assert!(empty.is_empty());
}
