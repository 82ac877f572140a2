//! Transition-by-transition tests of the group state machine.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::Role::{Primary, Replica, Terminated, Zombie};
use super::*;

fn settings(auto_terminate: bool) -> GroupSettings {
    GroupSettings { auto_terminate, ..GroupSettings::default() }
}

/// A group at version 7 whose instances are all at version 3, so bumps show.
fn group_with(auto_terminate: bool, members: &[(&str, Role)]) -> Group {
    let instances = members
        .iter()
        .map(|(id, role)| Instance { instance_id: (*id).to_owned(), role: *role, version: 3 })
        .collect();
    Group { version: 7, settings: settings(auto_terminate), instances }
}

fn standard(auto_terminate: bool) -> Group {
    group_with(auto_terminate, &[("p", Primary), ("r", Replica), ("z", Zombie), ("t", Terminated)])
}

fn change(id: &str, from: Option<Role>, to: Role) -> RoleChange {
    RoleChange { instance_id: id.to_owned(), from, to }
}

fn ok(group: &Group, t: Transition) -> Outcome {
    apply(group, &t).unwrap_or_else(|e| panic!("{t:?} failed: {e}"))
}

fn err(group: &Group, t: Transition) -> TransitionError {
    match apply(group, &t) {
        Ok(outcome) => panic!("{t:?} succeeded: {outcome:?}"),
        Err(e) => e,
    }
}

fn role_of(group: &Group, id: &str) -> Option<(Role, i64)> {
    group.instance(id).map(|i| (i.role, i.version))
}

fn register(id: &str) -> Transition {
    Transition::Register { instance_id: id.to_owned() }
}
fn switch(old: &str, new: &str) -> Transition {
    Transition::SwitchReport { old_instance_id: old.to_owned(), new_instance_id: new.to_owned() }
}
fn promote(id: &str, expected_version: Option<i64>) -> Transition {
    Transition::Promote { instance_id: id.to_owned(), expected_version }
}
fn add_replica(id: &str) -> Transition {
    Transition::AddReplica { instance_id: id.to_owned() }
}
fn zombie_expired(id: &str) -> Transition {
    Transition::ZombieExpired { instance_id: id.to_owned() }
}
fn terminate(id: &str) -> Transition {
    Transition::TerminateInstance { instance_id: id.to_owned() }
}

fn unknown(id: &str) -> TransitionError {
    TransitionError::UnknownInstance { instance_id: id.to_owned() }
}
fn invalid(id: &str, expected: Role, found: Role) -> TransitionError {
    TransitionError::InvalidRole { instance_id: id.to_owned(), expected, found }
}

/// A no-op returns the input unchanged, with no changes and no bump.
fn assert_noop(group: &Group, t: Transition) -> Outcome {
    let out = ok(group, t);
    assert_eq!(&out.group, group);
    assert!(out.changes.is_empty() && out.is_noop());
    out
}

#[test]
fn new_group_is_empty_at_version_zero() {
    let g = Group::new(settings(true));
    assert_eq!((g.version, g.instances.len(), g.settings.auto_terminate), (0, 0, true));
    assert!(g.primary().is_none() && g.instance("p").is_none());
    assert_eq!(check_invariants(&g), Ok(()));
}

#[test]
fn lookups_find_primary_and_by_id() {
    let g = standard(false);
    assert_eq!(g.primary().map(|i| i.instance_id.as_str()), Some("p"));
    assert_eq!(g.instance("z").map(|i| i.role), Some(Zombie));
    assert!(g.instance("nope").is_none());
}

#[test]
fn register_first_instance_becomes_enabled_primary() {
    let out = ok(&Group::new(settings(false)), register("a"));
    assert_eq!(out.enabled, Some(true));
    assert_eq!(out.changes, vec![change("a", None, Primary)]);
    assert_eq!(out.group.version, 1);
    assert_eq!(out.group.instances, vec![Instance { instance_id: "a".into(), role: Primary, version: 1 }]);
}

#[test]
fn register_next_instance_becomes_disabled_replica() {
    let out = ok(&standard(false), register("n"));
    assert_eq!(out.enabled, Some(false));
    assert_eq!(out.changes, vec![change("n", None, Replica)]);
    assert_eq!(out.group.version, 8);
    assert_eq!(role_of(&out.group, "n"), Some((Replica, 1)));
    assert_eq!(out.group.instances.len(), 5);
}

#[test]
fn register_known_instance_changes_nothing() {
    let g = standard(false);
    for (id, enabled) in [("p", true), ("r", false), ("z", false), ("t", false)] {
        let out = assert_noop(&g, register(id));
        assert_eq!(out.enabled, Some(enabled), "{id}");
    }
}

#[test]
fn switch_to_replica_retires_old_primary_as_zombie() {
    let out = ok(&standard(false), switch("p", "r"));
    assert_eq!(out.changes, vec![change("p", Some(Primary), Zombie), change("r", Some(Replica), Primary)]);
    assert_eq!(out.enabled, None);
    assert_eq!(out.group.version, 8);
    assert_eq!(role_of(&out.group, "p"), Some((Zombie, 4)));
    assert_eq!(role_of(&out.group, "r"), Some((Primary, 4)));
    assert_eq!(role_of(&out.group, "z"), Some((Zombie, 3)));
}

#[test]
fn switch_with_auto_terminate_terminates_old_primary() {
    let out = ok(&standard(true), switch("p", "r"));
    assert_eq!(
        out.changes,
        vec![change("p", Some(Primary), Terminated), change("r", Some(Replica), Primary)]
    );
    assert_eq!(role_of(&out.group, "p"), Some((Terminated, 4)));
}

#[test]
fn switch_to_unknown_instance_adds_it_as_primary() {
    let out = ok(&standard(false), switch("p", "new"));
    assert_eq!(out.changes, vec![change("p", Some(Primary), Zombie), change("new", None, Primary)]);
    assert_eq!(role_of(&out.group, "new"), Some((Primary, 1)));
    assert_eq!(out.group.instances.last().map(|i| i.instance_id.as_str()), Some("new"));
    assert_eq!(out.group.version, 8);
}

#[test]
fn switch_report_retry_is_a_noop() {
    for auto_terminate in [false, true] {
        let first = ok(&standard(auto_terminate), switch("p", "new"));
        let again = assert_noop(&first.group, switch("p", "new"));
        assert_eq!(again.enabled, None);
    }
}

#[test]
fn switch_to_self_is_rejected_first() {
    let g = standard(false);
    assert_eq!(err(&g, switch("p", "p")), TransitionError::SameInstance);
    assert_eq!(err(&g, switch("x", "x")), TransitionError::SameInstance);
    assert_eq!(TransitionError::SameInstance.code(), "same_instance");
}

#[test]
fn switch_from_unknown_or_non_primary_is_rejected() {
    let g = standard(false);
    assert_eq!(err(&g, switch("ghost", "r")), unknown("ghost"));
    assert_eq!(err(&g, switch("r", "new")), invalid("r", Primary, Replica));
    assert_eq!(err(&g, switch("z", "new")), invalid("z", Primary, Zombie));
    assert_eq!(err(&g, switch("t", "r")), invalid("t", Primary, Terminated));
    // `new` is primary but `old` is not retired: not a retry, old must be primary.
    assert_eq!(err(&g, switch("r", "p")), invalid("r", Primary, Replica));
}

#[test]
fn switch_to_a_non_replica_is_rejected() {
    let g = standard(false);
    assert_eq!(err(&g, switch("p", "z")), invalid("z", Replica, Zombie));
    assert_eq!(err(&g, switch("p", "t")), invalid("t", Replica, Terminated));
    let two_zombies = group_with(false, &[("p", Primary), ("z", Zombie), ("z2", Zombie)]);
    assert_eq!(err(&two_zombies, switch("z", "z2")), invalid("z", Primary, Zombie));
}

#[test]
fn promote_replica_retires_current_primary() {
    for (auto_terminate, retired) in [(false, Zombie), (true, Terminated)] {
        let out = ok(&standard(auto_terminate), promote("r", Some(7)));
        assert_eq!(
            out.changes,
            vec![change("p", Some(Primary), retired), change("r", Some(Replica), Primary)]
        );
        assert_eq!(out.group.version, 8);
        assert_eq!(role_of(&out.group, "p"), Some((retired, 4)));
        assert_eq!(role_of(&out.group, "r"), Some((Primary, 4)));
        assert_eq!(out.enabled, None);
    }
}

#[test]
fn promote_without_expected_version_skips_the_check() {
    let out = ok(&standard(false), promote("r", None));
    assert_eq!(out.group.primary().map(|i| i.instance_id.as_str()), Some("r"));
}

#[test]
fn promote_with_stale_version_conflicts_before_anything_else() {
    let g = standard(false);
    let conflict = TransitionError::VersionConflict { expected: 6, found: 7 };
    assert_eq!(err(&g, promote("r", Some(6))), conflict);
    assert_eq!(err(&g, promote("ghost", Some(6))), conflict);
    assert_eq!(conflict.code(), "version_conflict");
    assert_eq!(conflict.to_string(), "group changed: expected version 6, found 7");
}

#[test]
fn promote_needs_a_known_replica() {
    let g = standard(false);
    assert_eq!(err(&g, promote("ghost", None)), unknown("ghost"));
    assert_eq!(err(&g, promote("p", Some(7))), invalid("p", Replica, Primary));
    assert_eq!(err(&g, promote("z", None)), invalid("z", Replica, Zombie));
    assert_eq!(err(&g, promote("t", None)), invalid("t", Replica, Terminated));
}

#[test]
fn add_replica_to_empty_group_makes_it_primary() {
    let out = ok(&Group::new(settings(false)), add_replica("a"));
    assert_eq!(out.changes, vec![change("a", None, Primary)]);
    assert_eq!((out.group.version, out.enabled), (1, None));
}

#[test]
fn add_replica_adds_a_standby() {
    let out = ok(&standard(false), add_replica("n"));
    assert_eq!(out.changes, vec![change("n", None, Replica)]);
    assert_eq!(role_of(&out.group, "n"), Some((Replica, 1)));
    assert_eq!(out.group.version, 8);
}

#[test]
fn add_replica_is_idempotent_and_rejects_other_roles() {
    let g = standard(false);
    assert_noop(&g, add_replica("r"));
    assert_eq!(err(&g, add_replica("p")), invalid("p", Replica, Primary));
    assert_eq!(err(&g, add_replica("z")), invalid("z", Replica, Zombie));
    assert_eq!(err(&g, add_replica("t")), invalid("t", Replica, Terminated));
}

#[test]
fn zombie_expiry_terminates_zombies_only() {
    let g = standard(false);
    let out = ok(&g, zombie_expired("z"));
    assert_eq!(out.changes, vec![change("z", Some(Zombie), Terminated)]);
    assert_eq!((out.group.version, role_of(&out.group, "z")), (8, Some((Terminated, 4))));
    assert_noop(&g, zombie_expired("t"));
    assert_eq!(err(&g, zombie_expired("ghost")), unknown("ghost"));
    assert_eq!(err(&g, zombie_expired("p")), invalid("p", Zombie, Primary));
    assert_eq!(err(&g, zombie_expired("r")), invalid("r", Zombie, Replica));
}

#[test]
fn terminate_takes_replicas_and_zombies_but_never_the_primary() {
    let g = standard(false);
    for id in ["r", "z"] {
        let out = ok(&g, terminate(id));
        let from = g.instance(id).map(|i| i.role);
        assert_eq!(out.changes, vec![change(id, from, Terminated)]);
        assert_eq!((out.group.version, role_of(&out.group, id)), (8, Some((Terminated, 4))));
    }
    assert_noop(&g, terminate("t"));
    assert_eq!(err(&g, terminate("ghost")), unknown("ghost"));
    assert_eq!(err(&g, terminate("p")), invalid("p", Replica, Primary));
}

#[test]
fn invariants_catch_each_violation() {
    assert_eq!(check_invariants(&standard(false)), Ok(()));
    let none = group_with(false, &[("r", Replica), ("t", Terminated)]);
    assert_eq!(check_invariants(&none), Err(InvariantViolation::PrimaryCount(0)));
    let two = group_with(false, &[("a", Primary), ("b", Primary)]);
    assert_eq!(check_invariants(&two), Err(InvariantViolation::PrimaryCount(2)));
    let dup = group_with(false, &[("a", Primary), ("b", Replica), ("b", Zombie)]);
    assert_eq!(check_invariants(&dup), Err(InvariantViolation::DuplicateInstance("b".into())));
    let mut both = standard(false);
    both.settings.auto_switch = true;
    both.settings.manual_replica = true;
    assert_eq!(check_invariants(&both), Err(InvariantViolation::ExclusiveSettings));
}

#[test]
fn corrupt_groups_surface_as_invariant_errors() {
    let mut both = standard(false);
    both.settings.auto_switch = true;
    both.settings.manual_replica = true;
    let e = err(&both, register("p"));
    assert_eq!(e, TransitionError::Invariant(InvariantViolation::ExclusiveSettings));
    assert_eq!(e.code(), "invariant_violation");
    assert_eq!(e.to_string(), "invariant violated: auto_switch and manual_replica are both on");
    let headless = group_with(false, &[("r", Replica)]);
    assert_eq!(
        err(&headless, add_replica("n")),
        TransitionError::Invariant(InvariantViolation::PrimaryCount(0))
    );
}

#[test]
fn error_codes_and_messages() {
    assert_eq!(unknown("i-1").code(), "unknown_instance");
    assert_eq!(unknown("i-1").to_string(), "instance i-1 is not part of this group");
    let e = invalid("i-1", Replica, Zombie);
    assert_eq!(e.code(), "invalid_transition");
    assert_eq!(e.to_string(), "instance i-1 is Zombie, expected Replica");
    assert_eq!(
        InvariantViolation::PrimaryCount(2).to_string(),
        "group has 2 PRIMARY instances, expected exactly one"
    );
    assert_eq!(
        InvariantViolation::DuplicateInstance("i-9".into()).to_string(),
        "instance i-9 appears more than once"
    );
}

#[test]
fn full_lifecycle_keeps_one_primary_and_counts_versions() {
    let g = Group::new(settings(false));
    let g = ok(&g, register("a")).group;
    let g = ok(&g, add_replica("b")).group;
    let g = ok(&g, promote("b", Some(g.version))).group;
    assert_eq!((g.version, role_of(&g, "a"), role_of(&g, "b")), (3, Some((Zombie, 2)), Some((Primary, 2))));
    let g = ok(&g, zombie_expired("a")).group;
    let g = ok(&g, switch("b", "c")).group;
    let g = ok(&g, register("c")).group;
    assert_eq!(g.version, 5);
    assert_eq!(role_of(&g, "a"), Some((Terminated, 3)));
    assert_eq!(role_of(&g, "b"), Some((Zombie, 3)));
    assert_eq!(role_of(&g, "c"), Some((Primary, 1)));
    assert_eq!(check_invariants(&g), Ok(()));
}
