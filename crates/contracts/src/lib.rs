//! Wire contracts shared by every service: the protobuf messages and gRPC
//! services generated from `proto/spot/v1`, the NATS subject and stream names,
//! and the [`Event`] trait that ties a message to its subject and type name.
//!
//! This crate holds no logic beyond naming. Services convert these wire types
//! into their own domain types at the edge.

pub mod errors;
pub mod events;
pub mod subjects;

/// Generated code for the `spot.v1` protobuf package.
#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod v1 {
    include!(concat!(env!("OUT_DIR"), "/spot.v1.rs"));
}

pub use errors::{ERROR_CODE_KEY, ErrorCode, ServiceError};
pub use events::Event;
pub use prost_types::Timestamp;
