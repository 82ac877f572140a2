//! Pure domain logic of the Spot control plane: identifiers, agent status and
//! the heartbeat fold, timestamp parsing for the agent wire formats, and the
//! instance-group state machine (roles, settings, replica and command
//! lifecycles, switch timings), the emergency rules (pool choice, notice
//! life, rebalance policy) and the spot price maths (consolidation, pool
//! risk, savings) and the decision engine (schemas, built-in policy,
//! guardrails, A/B arms), and the notification and webhook rules (kinds,
//! severities, webhook URLs and kinds, delivery retries and dead letters).
//!
//! Nothing here performs I/O or reads the clock: callers pass time in, so every
//! rule is unit-tested without a database or a bus.

#[macro_use]
mod spelling;

pub mod agent;
pub mod decisions;
pub mod emergency;
pub mod group;
pub mod heartbeat;
pub mod ids;
pub mod instance;
pub mod notify;
pub mod ops;
pub mod pricing;
#[cfg(feature = "sea-orm")]
pub mod storage;
pub mod time;

pub use agent::AgentStatus;
pub use group::{
    CommandPriority, CommandStatus, CommandTransitionError, CommandType, Group, GroupSettings, Instance,
    InvariantViolation, Outcome, ReplicaStatus, ReplicaTransitionError, Role, RoleChange, SettingsError,
    SettingsPatch, SwitchTiming, Transition, TransitionError,
};
pub use heartbeat::{HeartbeatFold, HeartbeatObservation, ReportedStatus};
pub use ids::{AgentId, ClientId, IdError, LogicalAgentId};
pub use instance::{InstanceMode, ModeError};
