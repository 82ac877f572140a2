//! Fleet simulator: a seeded simulated cloud (spot price traces, boot times,
//! interruptions, mass AZ reclaims) and thousands of simulated agents that
//! speak the real agent protocols over HTTP against a running gateway.
//!
//! It owns simulation only: it never talks to AWS, never touches the
//! services' databases, and reaches the control plane solely through its
//! public HTTP API, as real agents do. Decision logic (cloud processes,
//! agent behaviour) is deterministic for a seed and free of I/O; the
//! [`fleet`] driver adds the clock, the HTTP client and the statistics.

pub mod agent;
pub mod clock;
pub mod cloud;
pub mod error;
pub mod fleet;
pub mod rng;
pub mod stats;

pub use clock::{SimClock, SimTime};
pub use error::SimError;
