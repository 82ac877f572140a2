//! The instance-group state machine: which instance of a group is PRIMARY,
//! which are standby REPLICAs, and how roles move when agents register, report
//! a switch, or an operator promotes, adds or terminates an instance. Also the
//! group settings, the replica and command lifecycles, and switch timings.
//!
//! Everything is a pure function of its inputs. The database layer loads a
//! [`Group`], calls [`apply`], and writes back the returned group guarded by the
//! version it loaded, so two racing writers can never both win.

pub mod command;
pub mod machine;
pub mod replica;
pub mod role;
mod rules;
pub mod settings;
pub mod switch;

#[cfg(test)]
mod command_tests;
#[cfg(test)]
mod lifecycle_checks;
#[cfg(test)]
mod machine_tests;
#[cfg(test)]
mod proptests;

pub use command::{
    CommandPriority, CommandStatus, CommandTransitionError, CommandType, command_transition, sort_pending,
    v4_can_run,
};
pub use machine::{
    Group, Instance, InvariantViolation, Outcome, RoleChange, Transition, TransitionError, apply,
    check_invariants,
};
pub use replica::{ReplicaStatus, ReplicaTransitionError, replica_transition};
pub use role::Role;
pub use settings::{GroupSettings, SettingsError, SettingsPatch};
pub use switch::SwitchTiming;
