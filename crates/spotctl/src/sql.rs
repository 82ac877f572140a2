//! Small SQL helpers the benches and the end-to-end tests share.

use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

/// The first column of the first row of `sql` as an `i64` (a `count(*)`).
pub async fn count<C: ConnectionTrait>(db: &C, sql: &str) -> anyhow::Result<i64> {
    count_with(db, sql, Vec::new()).await
}

/// [`count`] with bound values.
pub async fn count_with<C: ConnectionTrait>(db: &C, sql: &str, values: Vec<Value>) -> anyhow::Result<i64> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, values))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row from {sql}"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}
