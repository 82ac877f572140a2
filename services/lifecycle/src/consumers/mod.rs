//! Consumers of other services' events.

pub mod cleanup;
pub mod heartbeats;
