//! Market replay: a spot market trace replayed in simulated time through
//! the decisions service's built-in policy and guardrails
//! (`spot_domain::decisions`) and the emergency rules
//! (`spot_domain::emergency`, reached through [`engine::emergency_rules`]
//! only), next to the baselines an operator would otherwise run. It
//! answers what a policy saves and what availability it keeps on a market
//! it has not seen.
//!
//! - [`trace`]: the market as data (pools, ticks, prices, availability).
//! - [`csv`]: reading and writing the trace format, with line-numbered errors.
//! - [`synth`]: seeded traces from the fleet simulator's cloud.
//! - [`engine`]: the simulation, the strategies and the report.
//!
//! docs/DECISIONS.md describes the model and the measured frontier.

pub mod csv;
pub mod engine;
pub mod synth;
pub mod trace;

pub use engine::{Outcome, ReplayConfig, StrategyKind, run_all, run_model, run_one, run_strategy};
pub use trace::{Pool, Trace};
