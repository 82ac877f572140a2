//! Forward and backward SQL migrations, one Postgres schema per service.
//!
//! Every service gets the platform migration (outbox and inbox, from
//! `migrations/platform/`) as version 0, then its own from
//! `migrations/<service>/`. `__SCHEMA__` in the SQL is replaced by the
//! service's schema. An advisory lock serialises concurrent migrators (several
//! replicas starting at once); each migration runs in its own transaction.

use super::is_plain_identifier;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, TransactionTrait};

/// One migration: its version, name and the up and down SQL.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub up: &'static str,
    pub down: &'static str,
}

/// Declares a migration from `migrations/<dir>/<file>.up.sql` and `.down.sql`.
#[macro_export]
macro_rules! migration {
    ($dir:literal, $version:literal, $file:literal) => {
        $crate::store::Migration {
            version: $version,
            name: $file,
            up: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../migrations/",
                $dir,
                "/",
                $file,
                ".up.sql"
            )),
            down: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../migrations/",
                $dir,
                "/",
                $file,
                ".down.sql"
            )),
        }
    };
}

const PLATFORM: Migration = Migration {
    version: 0,
    name: "0000_outbox_inbox",
    up: include_str!("../../../../migrations/platform/0000_outbox_inbox.up.sql"),
    down: include_str!("../../../../migrations/platform/0000_outbox_inbox.down.sql"),
};

/// Migration failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    /// Schema name is not a plain identifier.
    #[error("invalid schema name {0:?}")]
    BadSchema(String),
    /// Versions are not strictly increasing.
    #[error("migrations of {0} are not in strictly increasing version order")]
    Order(String),
    /// The database refused a statement.
    #[error("migration {version} ({name}) of schema {schema}: {source}")]
    Sql { schema: String, version: i64, name: &'static str, source: DbErr },
    /// Bookkeeping failed.
    #[error("migration bookkeeping of schema {schema}: {source}")]
    Db { schema: String, source: DbErr },
}

/// Applies one service's migrations inside its schema.
#[derive(Debug, Clone)]
pub struct Migrator {
    schema: &'static str,
    migrations: Vec<Migration>,
}

impl Migrator {
    /// The platform migration followed by the service's own.
    pub fn new(schema: &'static str, own: &[Migration]) -> Result<Self, MigrationError> {
        if !is_plain_identifier(schema) {
            return Err(MigrationError::BadSchema(schema.to_owned()));
        }
        let mut migrations = vec![PLATFORM];
        migrations.extend_from_slice(own);
        if migrations.windows(2).any(|w| w[0].version >= w[1].version) {
            return Err(MigrationError::Order(schema.to_owned()));
        }
        Ok(Self { schema, migrations })
    }

    /// The schema this migrator owns.
    pub fn schema(&self) -> &'static str {
        self.schema
    }

    fn sql(&self, text: &str) -> String {
        text.replace("__SCHEMA__", self.schema)
    }

    fn db_err(&self, source: DbErr) -> MigrationError {
        MigrationError::Db { schema: self.schema.to_owned(), source }
    }

    async fn prepare<C: ConnectionTrait>(&self, conn: &C) -> Result<(), MigrationError> {
        let lock = format!("SELECT pg_advisory_xact_lock(hashtext('spot-migrate-{}'))", self.schema);
        conn.execute_unprepared(&lock).await.map_err(|e| self.db_err(e))?;
        // Created only when missing: `CREATE SCHEMA IF NOT EXISTS` needs the
        // database's CREATE privilege even when the schema exists, and a
        // service's own role owns its schema and nothing more
        // (deploy/postgres/roles.sql, docs/DEPLOYMENT.md).
        let exists = conn
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT 1 AS one FROM pg_namespace WHERE nspname = $1",
                [self.schema.into()],
            ))
            .await
            .map_err(|e| self.db_err(e))?
            .is_some();
        if !exists {
            let create = format!("CREATE SCHEMA IF NOT EXISTS {}", self.schema);
            conn.execute_unprepared(&create).await.map_err(|e| self.db_err(e))?;
        }
        let ddl = format!(
            "CREATE TABLE IF NOT EXISTS {s}.schema_migrations (
               version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
            s = self.schema
        );
        conn.execute_unprepared(&ddl).await.map_err(|e| self.db_err(e))?;
        Ok(())
    }

    /// Versions applied so far, ascending.
    pub async fn applied(&self, db: &DatabaseConnection) -> Result<Vec<i64>, MigrationError> {
        let exists = db
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT to_regclass($1) IS NOT NULL AS present",
                [format!("{}.schema_migrations", self.schema).into()],
            ))
            .await
            .map_err(|e| self.db_err(e))?
            .map(|row| row.try_get::<bool>("", "present"))
            .transpose()
            .map_err(|e| self.db_err(e))?
            .unwrap_or(false);
        if !exists {
            return Ok(Vec::new());
        }
        let rows = db
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT version FROM {}.schema_migrations ORDER BY version", self.schema),
            ))
            .await
            .map_err(|e| self.db_err(e))?;
        rows.iter().map(|r| r.try_get::<i64>("", "version").map_err(|e| self.db_err(e))).collect()
    }

    /// True when every known migration is applied.
    pub async fn is_current(&self, db: &DatabaseConnection) -> Result<bool, MigrationError> {
        let applied = self.applied(db).await?;
        Ok(self.migrations.iter().all(|m| applied.contains(&m.version)))
    }

    /// Applies every pending migration; returns how many ran.
    pub async fn up(&self, db: &DatabaseConnection) -> Result<usize, MigrationError> {
        let mut ran = 0;
        for m in &self.migrations {
            if self.step(db, m, true).await? {
                tracing::info!(schema = self.schema, version = m.version, name = m.name, "migration applied");
                ran += 1;
            }
        }
        Ok(ran)
    }

    /// Reverts every applied migration with a version above `target`
    /// (`-1` reverts everything, platform tables included).
    pub async fn down_to(&self, db: &DatabaseConnection, target: i64) -> Result<usize, MigrationError> {
        let mut ran = 0;
        for m in self.migrations.iter().rev().filter(|m| m.version > target) {
            if self.step(db, m, false).await? {
                tracing::info!(schema = self.schema, version = m.version, "migration reverted");
                ran += 1;
            }
        }
        Ok(ran)
    }

    /// Applies (`up`) or reverts `m` in a transaction of its own, under the
    /// schema's migration lock, unless it already is (or is not) applied;
    /// true when it ran.
    async fn step(&self, db: &DatabaseConnection, m: &Migration, up: bool) -> Result<bool, MigrationError> {
        let txn = db.begin().await.map_err(|e| self.db_err(e))?;
        self.prepare(&txn).await?;
        let applied = txn
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                format!("SELECT 1 AS one FROM {}.schema_migrations WHERE version = $1", self.schema),
                [m.version.into()],
            ))
            .await
            .map_err(|e| self.db_err(e))?
            .is_some();
        if applied == up {
            txn.rollback().await.map_err(|e| self.db_err(e))?;
            return Ok(false);
        }
        let (sql, record) = if up {
            let insert =
                format!("INSERT INTO {}.schema_migrations (version, name) VALUES ($1, $2)", self.schema);
            (
                m.up,
                Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    insert,
                    [m.version.into(), m.name.into()],
                ),
            )
        } else {
            let delete = format!("DELETE FROM {}.schema_migrations WHERE version = $1", self.schema);
            (m.down, Statement::from_sql_and_values(DbBackend::Postgres, delete, [m.version.into()]))
        };
        txn.execute_unprepared(&self.sql(sql)).await.map_err(|source| MigrationError::Sql {
            schema: self.schema.to_owned(),
            version: m.version,
            name: m.name,
            source,
        })?;
        txn.execute_raw(record).await.map_err(|e| self.db_err(e))?;
        txn.commit().await.map_err(|e| self.db_err(e))?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_schema_and_order() {
        assert!(matches!(Migrator::new("Bad-Name", &[]), Err(MigrationError::BadSchema(_))));
        let m = Migration { version: 0, name: "dup", up: "", down: "" };
        assert!(matches!(Migrator::new("svc", &[m]), Err(MigrationError::Order(_))));
        assert!(Migrator::new("svc", &[]).is_ok());
    }

    #[test]
    fn platform_sql_is_schema_templated() {
        let m = Migrator::new("svc", &[]).ok();
        let sql = m.map(|m| m.sql(PLATFORM.up)).unwrap_or_default();
        assert!(sql.contains("svc.outbox") && sql.contains("svc.inbox") && !sql.contains("__SCHEMA__"));
    }
}
