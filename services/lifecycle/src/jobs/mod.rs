//! Periodic jobs. Each is one idempotent statement per round, so several
//! replicas of the service can run them at once without harm.

pub mod expiry;
pub mod inventory;
pub mod offline;
pub mod zombies;
