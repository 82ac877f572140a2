//! The transactional outbox and its relay.
//!
//! [`enqueue`] writes an event row in the caller's transaction. The relay
//! takes unpublished rows in id order (`FOR UPDATE SKIP LOCKED`, so several
//! replicas share the work without publishing a row twice), sends them all
//! with async acks inside JetStream's bounded in-flight window, awaits the
//! acks together and stamps the acknowledged rows. A row published but not
//! stamped (crash) is sent again with the same `Nats-Msg-Id`, which JetStream
//! drops as a duplicate within its window and consumers' inboxes drop after.

use crate::bus::{Bus, await_ack, message_for};
use crate::metrics::PlatformMetrics;
use crate::shutdown::Shutdown;
use bytes::Bytes;
use futures::future::join_all;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, TransactionTrait};
use spot_contracts::Event;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// Writes `event` to `<schema>.outbox` inside the caller's transaction,
/// with the current span's trace context.
pub async fn enqueue<C: ConnectionTrait, E: Event>(conn: &C, schema: &str, event: &E) -> Result<(), DbErr> {
    let traceparent = crate::telemetry::traceparent_of(&tracing::Span::current());
    enqueue_traced(conn, schema, event, traceparent.as_deref()).await
}

/// [`enqueue`] with the trace context of a given message (a consumer
/// applying a batch passes the `traceparent` of the delivery that caused
/// the event, so each event continues its own trace).
pub async fn enqueue_traced<C: ConnectionTrait, E: Event>(
    conn: &C,
    schema: &str,
    event: &E,
    traceparent: Option<&str>,
) -> Result<(), DbErr> {
    let event_id = event
        .meta()
        .and_then(|m| Uuid::parse_str(&m.event_id).ok())
        .ok_or_else(|| DbErr::Custom(format!("{} has no valid meta.event_id", E::TYPE)))?;
    conn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!(
            "INSERT INTO {schema}.outbox (event_id, subject, event_type, payload, traceparent)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING"
        ),
        [
            event_id.into(),
            event.subject().into(),
            E::TYPE.into(),
            event.encode_to_vec().into(),
            traceparent.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Writes every event of `events` to `<schema>.outbox` inside the caller's
/// transaction, a few thousand rows per statement (a round of decisions
/// writes one event per group).
pub async fn enqueue_all<C: ConnectionTrait, E: Event>(
    conn: &C,
    schema: &str,
    events: &[E],
) -> Result<(), DbErr> {
    let traceparent = crate::telemetry::traceparent_of(&tracing::Span::current());
    for chunk in events.chunks(super::batch::chunk_rows(5)) {
        let mut values: Vec<sea_orm::Value> = Vec::with_capacity(chunk.len() * 5);
        for event in chunk {
            let event_id = event
                .meta()
                .and_then(|m| Uuid::parse_str(&m.event_id).ok())
                .ok_or_else(|| DbErr::Custom(format!("{} has no valid meta.event_id", E::TYPE)))?;
            values.extend([
                event_id.into(),
                event.subject().into(),
                E::TYPE.into(),
                event.encode_to_vec().into(),
                traceparent.clone().into(),
            ]);
        }
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "INSERT INTO {schema}.outbox (event_id, subject, event_type, payload, traceparent)
                 VALUES {} ON CONFLICT (event_id) DO NOTHING",
                super::batch::values_placeholders(5, chunk.len())
            ),
            values,
        ))
        .await?;
    }
    Ok(())
}

/// Publishes a service's outbox.
#[derive(Debug, Clone)]
pub struct OutboxRelay {
    pub schema: &'static str,
    pub db: DatabaseConnection,
    pub bus: Bus,
    pub metrics: Arc<PlatformMetrics>,
    /// Rows per round.
    pub batch: u64,
    /// Pause when the outbox is empty.
    pub idle: Duration,
}

struct Row {
    id: i64,
    event_id: Uuid,
    subject: String,
    event_type: String,
    payload: Vec<u8>,
    traceparent: Option<String>,
}

impl OutboxRelay {
    /// Runs until shutdown; a round in progress completes first.
    pub async fn run(self, shutdown: Shutdown) {
        while !shutdown.is_triggered() {
            let sent = match self.round().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(schema = self.schema, error = %e, "outbox round failed");
                    0
                }
            };
            if sent < self.batch as usize {
                tokio::select! {
                    _ = shutdown.wait() => {}
                    _ = tokio::time::sleep(self.idle) => {}
                }
            }
        }
        // Last round so events committed just before SIGTERM leave with us.
        if let Err(e) = self.round().await {
            tracing::warn!(schema = self.schema, error = %e, "final outbox round failed");
        }
    }

    /// Publishes one batch; returns how many rows were published.
    pub async fn round(&self) -> Result<usize, DbErr> {
        if !self.bus.is_connected() {
            // Nothing leaves while NATS is away: the backlog is what grows.
            self.count_backlog().await?;
            return Ok(0);
        }
        let txn = self.db.begin().await?;
        let rows = txn
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                format!(
                    "SELECT id, event_id, subject, event_type, payload, traceparent FROM {}.outbox
                     WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED",
                    self.schema
                ),
                [(self.batch as i64).into()],
            ))
            .await?;
        let rows: Vec<Row> = rows
            .iter()
            .map(|r| {
                Ok(Row {
                    id: r.try_get("", "id")?,
                    event_id: r.try_get("", "event_id")?,
                    subject: r.try_get("", "subject")?,
                    event_type: r.try_get("", "event_type")?,
                    payload: r.try_get("", "payload")?,
                    traceparent: r.try_get("", "traceparent")?,
                })
            })
            .collect::<Result<_, DbErr>>()?;
        if rows.is_empty() {
            txn.rollback().await?;
            self.metrics.outbox_backlog.set(0);
            return Ok(0);
        }
        // Send everything first (acks pending in the bounded window), then await.
        let mut pending = Vec::with_capacity(rows.len());
        for row in &rows {
            let msg = message_for(
                &row.event_type,
                &row.event_id.to_string(),
                Bytes::from(row.payload.clone()),
                row.traceparent.as_deref(),
            );
            match self.bus.send_raw(row.subject.clone(), msg).await {
                Ok(ack) => pending.push((row.id, ack)),
                Err(e) => {
                    tracing::warn!(error = %e, "outbox publish failed, will retry");
                    break;
                }
            }
        }
        let timeout = Duration::from_secs(5);
        let acks =
            join_all(pending.into_iter().map(|(id, ack)| async move { (id, await_ack(ack, timeout).await) }))
                .await;
        let mut done = Vec::with_capacity(acks.len());
        for (id, result) in acks {
            match result {
                Ok(_) => done.push(id),
                Err(e) => tracing::warn!(error = %e, outbox_id = id, "outbox ack missing, will retry"),
            }
        }
        self.metrics.published.with_label_values(&[self.schema, "ok"]).inc_by(done.len() as u64);
        if !done.is_empty() {
            txn.execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                format!("UPDATE {}.outbox SET published_at = now() WHERE id = ANY($1)", self.schema),
                [done.clone().into()],
            ))
            .await?;
        }
        txn.commit().await?;
        if rows.len() as u64 >= self.batch {
            // A full batch: more may be waiting.
            self.count_backlog().await?;
        } else {
            self.metrics.outbox_backlog.set((rows.len() - done.len()) as i64);
        }
        Ok(done.len())
    }

    /// Sets `spot_outbox_backlog` to the unpublished rows (partial index).
    async fn count_backlog(&self) -> Result<(), DbErr> {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                format!("SELECT count(*) AS n FROM {}.outbox WHERE published_at IS NULL", self.schema),
            ))
            .await?;
        let n: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
        self.metrics.outbox_backlog.set(n);
        Ok(())
    }
}
