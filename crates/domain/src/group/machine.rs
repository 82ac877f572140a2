//! The group role state machine: [`apply`] turns a group and one
//! [`Transition`] into the next group plus the role changes it made.
//!
//! Roles only move forward: a new instance starts as PRIMARY or REPLICA, a
//! REPLICA becomes PRIMARY, a PRIMARY retires to ZOMBIE (or straight to
//! TERMINATED with `auto_terminate`), and TERMINATED is final. The input group
//! is never mutated, so a rejected transition leaves nothing to roll back.

use std::collections::HashSet;

use super::{GroupSettings, Role};

/// One instance as the group sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    /// EC2 instance id.
    pub instance_id: String,
    /// Current role.
    pub role: Role,
    /// Bumped on every role change, so a row update can be guarded by it.
    pub version: i64,
}

/// A group and all instances that ever belonged to it.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Bumped once per transition that changed anything; optimistic lock.
    pub version: i64,
    /// Group settings.
    pub settings: GroupSettings,
    /// Instances in insertion order, terminated ones included.
    pub instances: Vec<Instance>,
}

impl Group {
    /// An empty group at version 0.
    pub fn new(settings: GroupSettings) -> Group {
        Group { version: 0, settings, instances: Vec::new() }
    }

    /// The PRIMARY instance, if the group has one.
    pub fn primary(&self) -> Option<&Instance> {
        self.instances.iter().find(|i| i.role == Role::Primary)
    }

    /// The instance with this id.
    pub fn instance(&self, id: &str) -> Option<&Instance> {
        self.instances.iter().find(|i| i.instance_id == id)
    }
}

/// Something that happened to a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// An agent registered from this instance.
    Register {
        /// Registering instance.
        instance_id: String,
    },
    /// An agent reports it moved the workload from `old` to `new`.
    SwitchReport {
        /// Instance that was primary.
        old_instance_id: String,
        /// Instance that now serves.
        new_instance_id: String,
    },
    /// An operator (or the emergency path) promotes a replica.
    Promote {
        /// Replica to promote.
        instance_id: String,
        /// Group version the caller decided on; None skips the check.
        expected_version: Option<i64>,
    },
    /// A replica was launched for the group.
    AddReplica {
        /// New replica.
        instance_id: String,
    },
    /// A zombie's grace period ran out.
    ZombieExpired {
        /// Expired zombie.
        instance_id: String,
    },
    /// A non-primary instance was terminated.
    TerminateInstance {
        /// Terminated instance.
        instance_id: String,
    },
}

/// One role change made by a transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChange {
    /// Instance whose role changed.
    pub instance_id: String,
    /// Previous role; None when the instance is new to the group.
    pub from: Option<Role>,
    /// New role.
    pub to: Role,
}

/// Result of a successful transition.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The next group; equal to the input when nothing changed.
    pub group: Group,
    /// Role changes in the order they were made; empty for a no-op.
    pub changes: Vec<RoleChange>,
    /// For `Register` only: whether the registering agent should be active.
    pub enabled: Option<bool>,
}

impl Outcome {
    /// True when the transition changed nothing, so there is nothing to write.
    pub fn is_noop(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Why a transition was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TransitionError {
    /// The instance does not belong to the group.
    #[error("instance {instance_id} is not part of this group")]
    UnknownInstance {
        /// Offending instance.
        instance_id: String,
    },
    /// The instance is in the wrong role for this transition.
    #[error("instance {instance_id} is {found:?}, expected {expected:?}")]
    InvalidRole {
        /// Offending instance.
        instance_id: String,
        /// Role the transition needs.
        expected: Role,
        /// Role the instance has.
        found: Role,
    },
    /// The group moved on since the caller looked at it.
    #[error("group changed: expected version {expected}, found {found}")]
    VersionConflict {
        /// Version the caller saw.
        expected: i64,
        /// Current version.
        found: i64,
    },
    /// A switch from an instance to itself.
    #[error("old and new instance are the same")]
    SameInstance,
    /// The result would break an invariant; a bug, or a corrupt stored group.
    #[error("invariant violated: {0}")]
    Invariant(InvariantViolation),
}

impl TransitionError {
    /// Stable machine-readable code for API errors.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownInstance { .. } => "unknown_instance",
            Self::InvalidRole { .. } => "invalid_transition",
            Self::VersionConflict { .. } => "version_conflict",
            Self::SameInstance => "same_instance",
            Self::Invariant(_) => "invariant_violation",
        }
    }
}

/// A broken group invariant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvariantViolation {
    /// Zero or several primaries in a non-empty group.
    #[error("group has {0} PRIMARY instances, expected exactly one")]
    PrimaryCount(usize),
    /// The same instance id twice.
    #[error("instance {0} appears more than once")]
    DuplicateInstance(String),
    /// Settings with both exclusive modes on.
    #[error("auto_switch and manual_replica are both on")]
    ExclusiveSettings,
}

/// Checks that a non-empty group has exactly one PRIMARY (never two active
/// agents, never none), that ids are unique, and that the settings are sane.
pub fn check_invariants(group: &Group) -> Result<(), InvariantViolation> {
    let mut seen = HashSet::with_capacity(group.instances.len());
    for instance in &group.instances {
        if !seen.insert(instance.instance_id.as_str()) {
            return Err(InvariantViolation::DuplicateInstance(instance.instance_id.clone()));
        }
    }
    let primaries = group.instances.iter().filter(|i| i.role == Role::Primary).count();
    if !group.instances.is_empty() && primaries != 1 {
        return Err(InvariantViolation::PrimaryCount(primaries));
    }
    if group.settings.auto_switch && group.settings.manual_replica {
        return Err(InvariantViolation::ExclusiveSettings);
    }
    Ok(())
}

/// Applies one transition to `group`; see the module docs for the rules.
pub fn apply(group: &Group, transition: &Transition) -> Result<Outcome, TransitionError> {
    super::rules::apply(group, transition)
}
