//! SQL of the gateway schema.

pub mod agents;
pub mod tenant_admin;
pub mod tenant_status;
pub mod tenants;
pub mod tokens;

use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};
use spot_domain::ops::{Cursor, PageLimit};
use uuid::Uuid;

/// A Postgres statement with its bound values.
pub(crate) fn sql(sql: impl Into<String>, values: impl IntoIterator<Item = Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// The bound values of a keyset page, newest first: `$1` the query's own
/// filter, `$2` and `$3` the `(created_at, id)` of the cursor (null for
/// the first page), `$4` how many rows to fetch.
pub(crate) fn keyset_page(filter: Value, after: Option<Cursor>, limit: PageLimit) -> [Value; 4] {
    let (at, id) = after.map(|c| (Some(c.at), Some(c.id))).unwrap_or((None, None));
    [filter, at.into(), id.into(), (limit.fetch() as i64).into()]
}

/// The `id` column of every row `statement` selects.
pub(crate) async fn ids<C: ConnectionTrait>(conn: &C, statement: Statement) -> Result<Vec<Uuid>, DbErr> {
    #[derive(FromQueryResult)]
    struct Id {
        id: Uuid,
    }
    Ok(Id::find_by_statement(statement).all(conn).await?.into_iter().map(|r| r.id).collect())
}
