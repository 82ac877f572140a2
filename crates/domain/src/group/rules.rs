//! The per-transition rules behind [`super::apply`].
//!
//! Each rule first checks everything it needs, then records its role changes
//! on a draft copy of the group; the draft bumps versions and re-checks the
//! invariants once at the end, so no rule can leave a half-applied group.

use super::machine::{Group, Instance, Outcome, RoleChange, Transition, TransitionError, check_invariants};
use super::{GroupSettings, Role};

pub(super) fn apply(group: &Group, transition: &Transition) -> Result<Outcome, TransitionError> {
    let mut draft = Draft { group: group.clone(), changes: Vec::new() };
    let enabled = match transition {
        Transition::Register { instance_id } => Some(register(&mut draft, instance_id)),
        Transition::SwitchReport { old_instance_id, new_instance_id } => {
            switch_report(&mut draft, old_instance_id, new_instance_id)?;
            None
        }
        Transition::Promote { instance_id, expected_version } => {
            promote(&mut draft, instance_id, *expected_version)?;
            None
        }
        Transition::AddReplica { instance_id } => {
            add_replica(&mut draft, instance_id)?;
            None
        }
        Transition::ZombieExpired { instance_id } => {
            retire(&mut draft, instance_id, &[Role::Zombie], Role::Zombie)?;
            None
        }
        Transition::TerminateInstance { instance_id } => {
            retire(&mut draft, instance_id, &[Role::Replica, Role::Zombie], Role::Replica)?;
            None
        }
    };
    draft.finish(enabled)
}

/// Where a primary goes when it stops being primary.
fn retired_role(settings: &GroupSettings) -> Role {
    if settings.auto_terminate { Role::Terminated } else { Role::Zombie }
}

/// An unknown agent gets the PRIMARY role only if nobody holds it; otherwise
/// it waits as a disabled standby, so there are never two active agents.
fn register(draft: &mut Draft, id: &str) -> bool {
    if let Some(known) = draft.group.instance(id) {
        return known.role == Role::Primary;
    }
    if draft.group.primary().is_none() {
        draft.add(id, Role::Primary);
        true
    } else {
        draft.add(id, Role::Replica);
        false
    }
}

fn switch_report(draft: &mut Draft, old: &str, new: &str) -> Result<(), TransitionError> {
    if old == new {
        return Err(TransitionError::SameInstance);
    }
    let old_role = draft.group.instance(old).map(|i| i.role);
    let new_role = draft.group.instance(new).map(|i| i.role);
    // Agents retry reports they got no answer for; the first one already won.
    if new_role == Some(Role::Primary) && matches!(old_role, Some(Role::Zombie | Role::Terminated)) {
        return Ok(());
    }
    expect_role(old, old_role, Role::Primary)?;
    if let Some(found) = new_role
        && found != Role::Replica
    {
        return Err(invalid(new, Role::Replica, found));
    }
    let retired = retired_role(&draft.group.settings);
    draft.set_role(old, retired);
    match new_role {
        Some(_) => draft.set_role(new, Role::Primary),
        // The agent launched the new instance itself; we first hear of it here.
        None => draft.add(new, Role::Primary),
    }
    Ok(())
}

fn promote(draft: &mut Draft, id: &str, expected_version: Option<i64>) -> Result<(), TransitionError> {
    if let Some(expected) = expected_version
        && expected != draft.group.version
    {
        return Err(TransitionError::VersionConflict { expected, found: draft.group.version });
    }
    let role = draft.group.instance(id).map(|i| i.role);
    expect_role(id, role, Role::Replica)?;
    if let Some(current) = draft.group.primary().map(|p| p.instance_id.clone()) {
        let retired = retired_role(&draft.group.settings);
        draft.set_role(&current, retired);
    }
    draft.set_role(id, Role::Primary);
    Ok(())
}

fn add_replica(draft: &mut Draft, id: &str) -> Result<(), TransitionError> {
    match draft.group.instance(id).map(|i| i.role) {
        Some(Role::Replica) => Ok(()),
        Some(found) => Err(invalid(id, Role::Replica, found)),
        // A "replica" of an empty group has nothing to stand by for: it serves.
        None if draft.group.instances.is_empty() => {
            draft.add(id, Role::Primary);
            Ok(())
        }
        None => {
            draft.add(id, Role::Replica);
            Ok(())
        }
    }
}

/// Moves `id` to TERMINATED from one of `from`; already TERMINATED is a no-op
/// so repeated cleanup jobs are harmless. `expected` is what the error names.
fn retire(draft: &mut Draft, id: &str, from: &[Role], expected: Role) -> Result<(), TransitionError> {
    let Some(role) = draft.group.instance(id).map(|i| i.role) else {
        return Err(unknown(id));
    };
    if role == Role::Terminated {
        return Ok(());
    }
    if !from.contains(&role) {
        return Err(invalid(id, expected, role));
    }
    draft.set_role(id, Role::Terminated);
    Ok(())
}

fn expect_role(id: &str, found: Option<Role>, expected: Role) -> Result<(), TransitionError> {
    match found {
        None => Err(unknown(id)),
        Some(found) if found != expected => Err(invalid(id, expected, found)),
        Some(_) => Ok(()),
    }
}

fn unknown(id: &str) -> TransitionError {
    TransitionError::UnknownInstance { instance_id: id.to_owned() }
}

fn invalid(id: &str, expected: Role, found: Role) -> TransitionError {
    TransitionError::InvalidRole { instance_id: id.to_owned(), expected, found }
}

/// The group being built and the changes made to it so far.
struct Draft {
    group: Group,
    changes: Vec<RoleChange>,
}

impl Draft {
    fn add(&mut self, id: &str, role: Role) {
        self.group.instances.push(Instance { instance_id: id.to_owned(), role, version: 1 });
        self.changes.push(RoleChange { instance_id: id.to_owned(), from: None, to: role });
    }

    fn set_role(&mut self, id: &str, to: Role) {
        let Some(instance) = self.group.instances.iter_mut().find(|i| i.instance_id == id) else {
            return;
        };
        if instance.role == to {
            return;
        }
        self.changes.push(RoleChange { instance_id: id.to_owned(), from: Some(instance.role), to });
        instance.role = to;
        instance.version = bump(instance.version);
    }

    fn finish(mut self, enabled: Option<bool>) -> Result<Outcome, TransitionError> {
        if !self.changes.is_empty() {
            self.group.version = bump(self.group.version);
        }
        check_invariants(&self.group).map_err(TransitionError::Invariant)?;
        Ok(Outcome { group: self.group, changes: self.changes, enabled })
    }
}

/// Versions saturate rather than overflow: 2^63 updates never happen, and this
/// keeps the state machine free of arithmetic panics.
fn bump(version: i64) -> i64 {
    version.saturating_add(1)
}
