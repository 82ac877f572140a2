//! Keeps the inbox and the outbox bounded: applied message ids and published
//! events older than the retention are deleted in small chunks, so a large
//! backlog never holds long locks or one huge transaction.
//!
//! The inbox only has to outlive a redelivery of a message that was applied
//! but not acked (the service died between commit and ack); JetStream sends
//! it again after `ack_wait` once a consumer runs. Keep the retention longer
//! than the longest outage you want exactly-once across.

use crate::shutdown::Shutdown;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};
use std::time::Duration;

// Both deletes walk an index in order (`ORDER BY ... LIMIT`): the planner
// then never scans the whole table, even with stale statistics.

/// Rows deleted per statement.
const CHUNK: i64 = 5_000;
/// Time between passes.
const EVERY: Duration = Duration::from_secs(60);

/// What one pass removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pruned {
    pub inbox: u64,
    pub outbox: u64,
}

/// Deletes inbox rows and published outbox rows older than `retention`.
pub async fn prune<C: ConnectionTrait>(conn: &C, schema: &str, retention: Duration) -> Result<Pruned, DbErr> {
    let secs = retention.as_secs_f64();
    let inbox = format!(
        "DELETE FROM {schema}.inbox WHERE ctid = ANY(ARRAY(
             SELECT ctid FROM {schema}.inbox
             WHERE processed_at < now() - make_interval(secs => $1)
             ORDER BY processed_at LIMIT $2))"
    );
    let outbox = format!(
        "DELETE FROM {schema}.outbox WHERE id = ANY(ARRAY(
             SELECT id FROM {schema}.outbox
             WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1)
             ORDER BY id LIMIT $2))"
    );
    let mut pruned = Pruned::default();
    for (sql, total) in [(inbox, &mut pruned.inbox), (outbox, &mut pruned.outbox)] {
        loop {
            let done = conn
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    sql.as_str(),
                    [secs.into(), CHUNK.into()],
                ))
                .await?
                .rows_affected();
            *total += done;
            if done < CHUNK as u64 {
                break;
            }
        }
    }
    Ok(pruned)
}

/// Prunes every minute until shutdown.
pub async fn run(db: DatabaseConnection, schema: &'static str, retention: Duration, shutdown: Shutdown) {
    loop {
        tokio::select! {
            _ = shutdown.wait() => return,
            _ = tokio::time::sleep(EVERY) => {}
        }
        match prune(&db, schema, retention).await {
            Ok(p) if p.inbox + p.outbox > 0 => {
                tracing::debug!(schema, inbox = p.inbox, outbox = p.outbox, "pruned dedup rows");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(schema, error = %e, "pruning inbox/outbox failed"),
        }
    }
}
