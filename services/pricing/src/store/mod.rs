//! SQL of the pricing schema, written by hand: the ingest and
//! consolidation statements are tuned for their plans (see each one) and
//! measured by `spotctl bench ingest` / `bench pricing`. Rows are read into
//! structs that derive `FromQueryResult`, roles typed as the domain's enums.

pub mod canonical;
pub mod consolidated;
pub mod current;
pub mod jobs;
pub mod replica_costs;
pub mod risk;
pub mod savings;
pub mod staging;

use sea_orm::{DbBackend, Statement, Value};

/// A Postgres statement with its bound values.
pub(crate) fn sql(sql: impl Into<String>, values: impl IntoIterator<Item = Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}
