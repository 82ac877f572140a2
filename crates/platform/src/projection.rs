//! Local copies of another service's state, kept from its events. A service
//! that must not read another's tables (docs/ARCHITECTURE.md) keeps the few
//! columns it needs in a table of its own schema, keyed by the source's id,
//! and applies every event as an upsert guarded by the source's version (or
//! stream sequence): a redelivered or out-of-order older event changes
//! nothing, so the copy converges on the newest state whatever the order.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

/// Where a projection lives. Identifiers are compile-time constants of the
/// service, never input, so they are written into the SQL as they are.
#[derive(Debug, Clone, Copy)]
pub struct Projection {
    /// Schema-qualified table, e.g. `emergency.agent_copy`.
    pub table: &'static str,
    /// Primary key column (the source's id).
    pub key: &'static str,
    /// Column holding the version or sequence of the copied state.
    pub version: &'static str,
    /// The other columns, in the order [`ProjectedRow::values`] gives them.
    pub columns: &'static [&'static str],
}

/// One row as an event describes it.
#[derive(Debug, Clone)]
pub struct ProjectedRow {
    /// The source's id.
    pub key: Value,
    /// The source's version (or stream sequence) of this state.
    pub version: i64,
    /// Values of [`Projection::columns`], in order.
    pub values: Vec<Value>,
}

impl Projection {
    /// The upsert: insert, or update only when the stored version is older.
    fn sql(&self) -> String {
        let mut names = vec![self.key, self.version];
        names.extend_from_slice(self.columns);
        let placeholders = crate::store::batch::values_placeholders(names.len(), 1);
        let updates: Vec<String> = names[1..].iter().map(|c| format!("{c} = EXCLUDED.{c}")).collect();
        format!(
            "INSERT INTO {table} ({names}) VALUES {placeholders} \
             ON CONFLICT ({key}) DO UPDATE SET {updates} \
             WHERE {table}.{version} < EXCLUDED.{version}",
            table = self.table,
            names = names.join(", "),
            key = self.key,
            updates = updates.join(", "),
            version = self.version,
        )
    }

    /// Applies one row inside the caller's transaction (with its inbox row).
    /// Returns `false` when an equal or newer version was already there.
    pub async fn apply<C: ConnectionTrait>(&self, conn: &C, row: ProjectedRow) -> Result<bool, DbErr> {
        if row.values.len() != self.columns.len() {
            return Err(DbErr::Custom(format!(
                "projection {}: {} values for {} columns",
                self.table,
                row.values.len(),
                self.columns.len()
            )));
        }
        let mut values = Vec::with_capacity(row.values.len() + 2);
        values.push(row.key);
        values.push(row.version.into());
        values.extend(row.values);
        let done =
            conn.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, self.sql(), values)).await?;
        Ok(done.rows_affected() > 0)
    }
}
