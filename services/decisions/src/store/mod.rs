//! SQL of the decisions schema: projections of other services' events
//! (groups, agents, pools, prices, switches and notices), the model
//! registry, and the decision and rejected-output logs.

pub mod decisions;
pub mod listing;
pub mod models;
pub mod projection;
pub mod reads;

use sea_orm::{DbBackend, Statement, Value};

pub(crate) fn stmt(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}
