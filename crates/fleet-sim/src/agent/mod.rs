//! Simulated agents. [`Agent`] is a pure state machine over the protocol:
//! it returns the HTTP [`Call`]s due at a simulated time and reacts to each
//! [`Answer`], acting on the simulated cloud as the real agent acts on EC2.
//! [`v4`] builds every agent v4.0.0 request exactly as captured; [`typed`]
//! adds what newer agents send (agent-protocol.md section B).

mod call;
pub mod commands;
mod core;
mod env;
mod ops;
mod replica;
pub mod reports;
mod spec;
mod switch;
mod timers;
pub mod typed;
pub mod v4;
pub mod wire;
pub mod wire_time;

pub use call::{Answer, Call, Endpoint, Failure, Method, Purpose, truthy};
pub use core::Agent;
pub use env::{AgentEvent, Spawn, StopReason};
pub use spec::{AgentSpec, Behaviour, Flavour, InstanceFacts};
pub use timers::Task;
