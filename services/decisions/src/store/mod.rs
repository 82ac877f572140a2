//! SQL of the decisions schema: projections of other services' events
//! (groups, agents, pools, prices, switches and notices), the model
//! registry, and the decision and rejected-output logs.

pub mod decisions;
pub mod listing;
pub mod models;
pub mod projection;
pub mod reads;

pub(crate) use spot_platform::store::sql as stmt;
