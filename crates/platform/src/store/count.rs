//! A `count(*)` read as one number: benches, jobs' checks and tests ask
//! this of many tables.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

/// The first column of the first row of `sql` as an `i64` (a `count(*)`).
pub async fn count<C: ConnectionTrait>(db: &C, sql: &str) -> Result<i64, DbErr> {
    count_with(db, sql, Vec::new()).await
}

/// [`count`] with bound values.
pub async fn count_with<C: ConnectionTrait>(db: &C, sql: &str, values: Vec<Value>) -> Result<i64, DbErr> {
    let row = db
        .query_one_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, values))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("no row from {sql}")))?;
    row.try_get_by_index::<i64>(0)
}
