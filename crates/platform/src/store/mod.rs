//! Postgres access shared by services: connection pools, per-service schema
//! migrations, the transactional outbox and its relay, the inbox, and their
//! retention.

pub mod batch;
mod count;
mod group_commit;
mod inbox;
mod lazy_txn;
mod migrate;
mod outbox;
pub mod retention;
mod sqlstate;

pub use count::{count, count_with};
pub use group_commit::{GroupCommit, GroupCommitError};
pub use inbox::begin_batch;
pub use inbox::{claim_batch, claim_new};
pub use lazy_txn::LazyTransaction;
pub use migrate::{Migration, MigrationError, Migrator};
pub use outbox::{OutboxRelay, enqueue, enqueue_all, enqueue_traced};
pub use sqlstate::{is_constraint_conflict, is_unavailable, sqlstate};

use crate::config::Settings;
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbBackend, DbErr, Statement, Value};
use std::time::Duration;

/// A Postgres statement with its bound values (the services' SQL is written
/// by hand; rows are read with `FromQueryResult::find_by_statement`).
pub fn sql(sql: impl Into<String>, values: impl IntoIterator<Item = Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Opens a connection pool; retries for `wait` before giving up, so a service
/// started together with Postgres (compose, `make run`) does not crash-loop.
pub async fn connect(settings: &Settings, wait: Duration) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(settings.database_url.expose().to_owned());
    opts.max_connections(settings.database_max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(3))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    let deadline = tokio::time::Instant::now() + wait;
    let mut delay = Duration::from_millis(200);
    loop {
        match Database::connect(opts.clone()).await {
            Ok(db) => return Ok(db),
            Err(e) if tokio::time::Instant::now() < deadline => {
                tracing::warn!(error = %e, "database not reachable yet, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(3));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Quotes an SQL identifier we control (schema names are compile-time
/// constants, this guards against typos, not attackers).
pub fn is_plain_identifier(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
