//! Commands queued for agents: their priority, type and delivery lifecycle,
//! and the order in which pending ones are handed out.

use chrono::{DateTime, Utc};
use std::cmp::Reverse;

/// Who asked for a command; higher wins the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CommandPriority {
    /// Routine scheduled work.
    Scheduled,
    /// The pricing model found a better pool.
    Model,
    /// The pricing model sees a pool about to become unusable.
    ModelUrgent,
    /// An operator asked.
    Manual,
    /// A Spot interruption notice is running out.
    Emergency,
}

impl CommandPriority {
    /// Every priority, lowest first.
    pub const ALL: [CommandPriority; 5] =
        [Self::Scheduled, Self::Model, Self::ModelUrgent, Self::Manual, Self::Emergency];

    /// Stored numeric value; gaps leave room for levels in between.
    pub const fn value(&self) -> i32 {
        match self {
            Self::Scheduled => 10,
            Self::Model => 25,
            Self::ModelUrgent => 50,
            Self::Manual => 75,
            Self::Emergency => 100,
        }
    }

    /// Parses a stored value; only the exact levels are known.
    pub fn from_value(value: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.value() == value)
    }
}

/// What a command asks the agent to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandType {
    /// Move the workload to a new instance.
    Switch,
    /// Launch a standby replica.
    CreateReplica,
    /// Make a replica the primary.
    PromoteReplica,
    /// Terminate an instance.
    TerminateInstance,
    /// Remove leftovers (snapshots, images) of earlier switches.
    Cleanup,
}

impl CommandType {
    /// Every type.
    pub const ALL: [CommandType; 5] =
        [Self::Switch, Self::CreateReplica, Self::PromoteReplica, Self::TerminateInstance, Self::Cleanup];

    /// Database and wire spelling.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Switch => "SWITCH",
            Self::CreateReplica => "CREATE_REPLICA",
            Self::PromoteReplica => "PROMOTE_REPLICA",
            Self::TerminateInstance => "TERMINATE_INSTANCE",
            Self::Cleanup => "CLEANUP",
        }
    }
}

spelled!(CommandType, CommandStatus);

/// Delivery state of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandStatus {
    /// Queued, not yet picked up.
    Pending,
    /// Handed to the agent.
    Delivered,
    /// The agent reported success.
    Succeeded,
    /// The agent reported failure.
    Failed,
    /// Nobody ran it in time.
    Expired,
}

impl CommandStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [CommandStatus; 5] =
        [Self::Pending, Self::Delivered, Self::Succeeded, Self::Failed, Self::Expired];

    /// Database spelling.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
            Self::Expired => "expired",
        }
    }

    /// True once the command is settled and will not change again.
    pub const fn is_terminal(&self) -> bool {
        matches!(self, Self::Succeeded | Self::Failed | Self::Expired)
    }
}

/// A command status change the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("command cannot go from {from} to {to}")]
pub struct CommandTransitionError {
    /// Current status.
    pub from: CommandStatus,
    /// Requested status.
    pub to: CommandStatus,
}

impl CommandTransitionError {
    /// Stable machine-readable code for API errors.
    pub fn code(&self) -> &'static str {
        "invalid_transition"
    }
}

/// Checks a status change: `Ok(true)` when allowed, `Ok(false)` for a repeat
/// (a redelivered result), an error otherwise. A pending command may settle
/// without a recorded delivery because agents can report a result whose
/// delivery acknowledgement was lost.
pub fn command_transition(from: CommandStatus, to: CommandStatus) -> Result<bool, CommandTransitionError> {
    use CommandStatus::*;
    if from == to {
        return Ok(false);
    }
    let allowed = matches!(
        (from, to),
        (Pending, Delivered | Succeeded | Failed | Expired) | (Delivered, Succeeded | Failed | Expired)
    );
    if allowed { Ok(true) } else { Err(CommandTransitionError { from, to }) }
}

/// Orders pending commands for delivery: highest priority first, then oldest
/// first, so emergency work always goes out before anything else (design
/// invariant 6). The sort is stable, so full ties keep their given order.
pub fn sort_pending<T>(items: &mut [T], key: impl Fn(&T) -> (CommandPriority, DateTime<Utc>)) {
    items.sort_by_key(|item| {
        let (priority, created_at) = key(item);
        (Reverse(priority), created_at)
    });
}

/// Whether a v4 agent understands this command; v4 agents only ever get
/// switch commands, everything else needs a newer agent.
pub fn v4_can_run(command_type: CommandType) -> bool {
    matches!(command_type, CommandType::Switch)
}
