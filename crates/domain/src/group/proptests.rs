//! Property tests: random transition sequences over a small pool of instances
//! never break the group invariants, whatever order events arrive in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::collection::vec;
use proptest::prelude::*;

use super::*;

/// How a generated `Promote` picks its expected version.
#[derive(Debug, Clone)]
enum Expect {
    Absent,
    Current,
    Off(i64),
}

#[derive(Debug, Clone)]
enum Op {
    Register(u8),
    Switch(u8, u8),
    Promote(u8, Expect),
    AddReplica(u8),
    ZombieExpired(u8),
    Terminate(u8),
}

fn id(n: u8) -> String {
    format!("i-{n}")
}

fn op() -> impl Strategy<Value = Op> {
    // A small pool so transitions keep hitting instances that already exist.
    let n = || 0u8..6;
    let expect = prop_oneof![
        Just(Expect::Absent),
        Just(Expect::Current),
        prop_oneof![-3i64..0, 1i64..4].prop_map(Expect::Off),
    ];
    prop_oneof![
        3 => n().prop_map(Op::Register),
        3 => (n(), n()).prop_map(|(a, b)| Op::Switch(a, b)),
        2 => (n(), expect).prop_map(|(a, e)| Op::Promote(a, e)),
        2 => n().prop_map(Op::AddReplica),
        1 => n().prop_map(Op::ZombieExpired),
        1 => n().prop_map(Op::Terminate),
    ]
}

fn settings() -> impl Strategy<Value = GroupSettings> {
    let modes = prop_oneof![Just((false, false)), Just((true, false)), Just((false, true))];
    (any::<bool>(), modes).prop_map(|(auto_terminate, (auto_switch, manual_replica))| GroupSettings {
        auto_switch,
        manual_replica,
        auto_terminate,
        ..GroupSettings::default()
    })
}

fn materialize(op: &Op, group: &Group) -> Transition {
    match op {
        Op::Register(n) => Transition::Register { instance_id: id(*n) },
        Op::Switch(a, b) => Transition::SwitchReport { old_instance_id: id(*a), new_instance_id: id(*b) },
        Op::Promote(n, expect) => Transition::Promote {
            instance_id: id(*n),
            expected_version: match expect {
                Expect::Absent => None,
                Expect::Current => Some(group.version),
                Expect::Off(delta) => Some(group.version + delta),
            },
        },
        Op::AddReplica(n) => Transition::AddReplica { instance_id: id(*n) },
        Op::ZombieExpired(n) => Transition::ZombieExpired { instance_id: id(*n) },
        Op::Terminate(n) => Transition::TerminateInstance { instance_id: id(*n) },
    }
}

/// Checks one successful step from `before` to `out`.
fn check_outcome(before: &Group, t: &Transition, out: &Outcome) -> Result<(), TestCaseError> {
    let after = &out.group;
    let bump = i64::from(!out.changes.is_empty());
    prop_assert_eq!(after.version, before.version + bump, "group version bump for {:?}", t);
    prop_assert_eq!(out.enabled.is_some(), matches!(t, Transition::Register { .. }));
    if out.changes.is_empty() {
        prop_assert_eq!(after, before);
    }
    if let Transition::Register { instance_id } = t
        && let Some(known) = before.instance(instance_id)
    {
        prop_assert!(out.changes.is_empty() && after == before, "register of known {} changed", instance_id);
        prop_assert_eq!(out.enabled, Some(known.role == Role::Primary));
    }
    prop_assert_eq!(&after.settings, &before.settings);
    // Instances are never dropped and keep their order; new ones are appended.
    prop_assert!(after.instances.len() >= before.instances.len());
    for (old, new) in before.instances.iter().zip(&after.instances) {
        prop_assert_eq!(&old.instance_id, &new.instance_id);
        let listed = out.changes.iter().filter(|c| c.instance_id == old.instance_id).count();
        if old.role == new.role {
            prop_assert_eq!((new.version, listed), (old.version, 0));
        } else {
            prop_assert_eq!(new.version, old.version + 1);
            prop_assert!(old.role != Role::Terminated, "{} left TERMINATED", old.instance_id);
            let expected =
                RoleChange { instance_id: old.instance_id.clone(), from: Some(old.role), to: new.role };
            prop_assert_eq!(out.changes.iter().filter(|c| **c == expected).count(), 1);
        }
    }
    for new in &after.instances[before.instances.len()..] {
        prop_assert_eq!(new.version, 1);
        let expected = RoleChange { instance_id: new.instance_id.clone(), from: None, to: new.role };
        prop_assert!(out.changes.contains(&expected), "no change listed for new {}", new.instance_id);
    }
    let added = after.instances.len() - before.instances.len();
    let changed = before.instances.iter().zip(&after.instances).filter(|(o, n)| o.role != n.role).count();
    prop_assert_eq!(out.changes.len(), added + changed);
    Ok(())
}

fn check_group(group: &Group) -> Result<(), TestCaseError> {
    prop_assert_eq!(check_invariants(group), Ok(()));
    let primaries = group.instances.iter().filter(|i| i.role == Role::Primary).count();
    prop_assert_eq!(primaries, usize::from(!group.instances.is_empty()));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn random_sequences_keep_every_invariant(settings in settings(), ops in vec(op(), 0..=60)) {
        let mut group = Group::new(settings);
        for op in &ops {
            let t = materialize(op, &group);
            let before = group.clone();
            match apply(&group, &t) {
                Ok(out) => {
                    check_outcome(&before, &t, &out)?;
                    group = out.group;
                }
                Err(e) => {
                    prop_assert!(!matches!(e, TransitionError::Invariant(_)), "{:?} broke an invariant: {}", t, e);
                }
            }
            prop_assert!(group.version >= before.version);
            check_group(&group)?;
        }
    }

    #[test]
    fn rejected_transitions_leave_the_input_alone(settings in settings(), ops in vec(op(), 1..=40)) {
        let mut group = Group::new(settings);
        for op in &ops {
            let t = materialize(op, &group);
            let snapshot = group.clone();
            let result = apply(&group, &t);
            prop_assert_eq!(&group, &snapshot);
            if let Ok(out) = result {
                group = out.group;
            }
        }
    }

    #[test]
    fn applied_settings_are_always_valid(
        auto_switch in proptest::option::of(any::<bool>()),
        manual_replica in proptest::option::of(any::<bool>()),
        terminate_wait_seconds in proptest::option::of(-10i32..90_000),
        min_savings_percent in proptest::option::of(-5.0f64..110.0),
        max_switches_per_week in proptest::option::of(-5i32..1_100),
    ) {
        let patch = SettingsPatch {
            auto_switch,
            manual_replica,
            terminate_wait_seconds,
            min_savings_percent,
            max_switches_per_week,
            ..SettingsPatch::default()
        };
        if let Ok(next) = GroupSettings::default().apply(&patch) {
            prop_assert_eq!(next.validate(), Ok(()));
        }
    }
}
