//! The simulator's tests: one binary (fast link), no network.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod agent;
mod cloud;
mod fixtures;
mod harness;
