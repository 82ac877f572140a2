//! SQL of the gateway schema.

pub mod agents;
pub mod tenant_admin;
pub mod tenant_status;
pub mod tenants;
pub mod tokens;

use sea_orm::{DbBackend, Statement, Value};

/// A Postgres statement with its bound values.
pub(crate) fn sql(sql: impl Into<String>, values: impl IntoIterator<Item = Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}
