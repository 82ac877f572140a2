//! `spotctl`, the operator CLI, as a library: the migration command, the
//! admin API client, the operator commands, benches and replay. The
//! in-process stack `spotctl up` runs (the same service code the separate
//! binaries run) is the `spot-stack` crate, re-exported as `stack`; tests
//! start it through the test kit (`spot_testkit::stack::TestStack`).

pub mod admin;
pub mod bench;
pub mod chaos;
pub mod export;
pub mod migrate;
pub mod operator;
pub mod replay;
pub mod settings;
pub mod simulate;
pub mod sql;
/// The in-process stack lives in its own crate (the test kit starts it too).
pub use spot_stack as stack;
