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

// Both deletes read at most `CHUNK` index entries per statement, whatever
// the statistics say. The inbox walks `processed_at` up to the cutoff. The
// outbox has no index on `published_at` (publishing would then update one
// more index per event); it looks only at its `CHUNK` oldest rows by id and
// deletes the old published ones among them. Filtering `published_at` while
// walking the whole id index instead read every retained row once a minute
// when none was old yet: 40,000 rows and 0.03-0.4 s a minute in lifecycle
// after a 20,000-agent registration (docs/BENCHMARKS.md, "bench soak").
// The relay publishes in id order, so the oldest rows are the first to go;
// an event that is never published narrows each window by one row, and only
// `CHUNK` of them at the head (a relay stuck on them too) stop the pruning.

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
             SELECT id FROM (SELECT id, published_at FROM {schema}.outbox ORDER BY id LIMIT $2) AS oldest
             WHERE published_at IS NOT NULL AND published_at < now() - make_interval(secs => $1)))"
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
            // Until a statement deletes nothing: the outbox's window can hold
            // rows that stay (unpublished or recent) and still have old ones
            // behind it.
            if done == 0 {
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
