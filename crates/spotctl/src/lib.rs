//! `spotctl`, the operator CLI, as a library: the in-process stack that
//! `spotctl up` runs (the same service code the separate binaries run), the
//! migration command, and the admin API client. Tests start the stack from
//! here.

pub mod admin;
pub mod bench;
pub mod export;
pub mod migrate;
pub mod operator;
pub mod replay;
pub mod settings;
pub mod simulate;
pub mod sql;
pub mod stack;
