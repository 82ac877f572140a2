//! Pure domain logic of the Spot control plane: identifiers, agent status and
//! the heartbeat fold, timestamp parsing for the agent wire formats.
//!
//! Nothing here performs I/O or reads the clock: callers pass time in, so every
//! rule is unit-tested without a database or a bus.

pub mod agent;
pub mod heartbeat;
pub mod ids;
pub mod instance;
pub mod time;

pub use agent::AgentStatus;
pub use heartbeat::{HeartbeatFold, HeartbeatObservation, ReportedStatus};
pub use ids::{AgentId, ClientId, IdError, LogicalAgentId};
pub use instance::{InstanceMode, ModeError};
