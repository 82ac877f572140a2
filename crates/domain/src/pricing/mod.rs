//! Spot price maths: pool identifiers, consolidation of raw agent reports
//! into one point per pool and time bucket, pool risk, and daily savings.
//!
//! Pure functions of their inputs: the pricing service streams rows in and
//! writes what these return.

mod consolidate;
mod pool;
mod risk;
mod savings;
mod window;

#[cfg(test)]
mod consolidate_tests;
#[cfg(test)]
mod proptests;

pub use consolidate::{
    ConsolidatedPoint, ConsolidationStats, HistoryPoint, RawPoint, ReporterRole, Source, consolidate_pool,
};
pub use pool::{PoolError, PoolId};
pub use risk::{PoolRisk, Recommendation, RiskInputs, assess, score};
pub use savings::{Billing, DailySavings, UsageInterval, daily_savings};
pub use window::{Window, WindowError};
