//! `spotctl chaos`: the fault suite (issue 19, docs/HARDENING.md "Fault
//! suite"). Two replicas of every service as separate processes behind
//! load-balancing proxies, a private Postgres and nats-server, a simulated
//! fleet of faithful v4 agents (heartbeats, commands, pricing and switch
//! reports, rebalance and termination notices) and a prober; then a
//! schedule of faults, each measured on its own, and a ledger at the end.
//! Exits non-zero when any target is missed.

mod disk;
mod faults;
mod ledger;
pub mod postgres;
mod probe;
mod proxy;
mod replicas;
mod run;

pub use faults::{Fault, FaultParseError};
pub use run::{ChaosArgs, Outcome, run};
