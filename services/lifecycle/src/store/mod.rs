//! SQL of the lifecycle schema. Batch writes use `unnest` so a batch of
//! heartbeats is one statement, not one transaction per message.
//!
//! The SQL is written by hand (the hot statements are tuned for their
//! plans, see each one); rows are read into structs that derive
//! `FromQueryResult`, with roles and statuses typed as the domain's enums
//! (`spot_domain::storage`), so nothing here or above compares their
//! spellings.

pub mod agents;
pub mod audit;
pub mod commands;
pub mod dashboard;
pub mod dashboard_history;
pub mod groups;
pub mod heartbeats;
pub mod listing;
pub mod operator_reports;
pub mod replicas;
pub mod switches;
pub mod unknown_instances;

use sea_orm::FromQueryResult;
pub(crate) use spot_platform::store::sql;

/// A row of one `id` column (what `RETURNING id` gives).
#[derive(Debug, FromQueryResult)]
pub(crate) struct IdRow {
    pub id: uuid::Uuid,
}
