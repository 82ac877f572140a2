//! SQL of `gateway.webhooks` and `gateway.webhook_deliveries`.

use crate::store::sql;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use spot_domain::ClientId;
use spot_domain::notify::{DeliveryStatus, NextStep, NotificationKind};
use uuid::Uuid;

/// A webhook as listed (never its secret).
#[derive(Debug, Clone, FromQueryResult)]
pub struct WebhookRow {
    pub id: Uuid,
    pub url: String,
    pub kinds: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// A webhook being created.
#[derive(Debug)]
pub struct NewWebhook<'a> {
    pub tenant: ClientId,
    pub url: &'a str,
    pub kinds: Vec<String>,
    pub secret: &'a str,
    /// `X-Request-ID` and the SHA-256 of the body, for replays.
    pub request: Option<(&'a str, [u8; 32])>,
}

/// What a create came to.
#[derive(Debug)]
pub enum Created {
    /// A new webhook, or the one a retry with the same `X-Request-ID` and
    /// body made: the row and its secret.
    Webhook(WebhookRow, String),
    /// The `X-Request-ID` was used before with another body.
    KeyReused,
}

#[derive(FromQueryResult)]
struct WithSecret {
    id: Uuid,
    url: String,
    kinds: Vec<String>,
    created_at: DateTime<Utc>,
    secret: String,
    request_hash: Option<Vec<u8>>,
}

impl WithSecret {
    fn split(self) -> (WebhookRow, String) {
        (
            WebhookRow { id: self.id, url: self.url, kinds: self.kinds, created_at: self.created_at },
            self.secret,
        )
    }
}

/// Creates a webhook (idempotent per `X-Request-ID`).
pub async fn create<C: ConnectionTrait>(conn: &C, w: NewWebhook<'_>) -> Result<Created, DbErr> {
    let (request_id, hash) = w.request.map_or((None, None), |(r, h)| (Some(r.to_owned()), Some(h.to_vec())));
    let inserted = WithSecret::find_by_statement(sql(
        "INSERT INTO gateway.webhooks (id, tenant_id, url, kinds, secret, request_id, request_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tenant_id, request_id) DO NOTHING
         RETURNING id, url, kinds, created_at, secret, request_hash",
        [
            Uuid::now_v7().into(),
            w.tenant.as_uuid().into(),
            w.url.into(),
            w.kinds.into(),
            w.secret.into(),
            request_id.clone().into(),
            hash.clone().into(),
        ],
    ))
    .one(conn)
    .await?;
    if let Some(row) = inserted {
        let (row, secret) = row.split();
        return Ok(Created::Webhook(row, secret));
    }
    let first = WithSecret::find_by_statement(sql(
        "SELECT id, url, kinds, created_at, secret, request_hash FROM gateway.webhooks
         WHERE tenant_id = $1 AND request_id = $2",
        [w.tenant.as_uuid().into(), request_id.into()],
    ))
    .one(conn)
    .await?;
    match first {
        Some(row) if row.request_hash == hash => {
            let (row, secret) = row.split();
            Ok(Created::Webhook(row, secret))
        }
        Some(_) => Ok(Created::KeyReused),
        // Deleted between the two statements: nothing to replay.
        None => Err(DbErr::RecordNotFound("webhook of this request id".into())),
    }
}

/// A tenant's webhooks, oldest first.
pub async fn list<C: ConnectionTrait>(conn: &C, tenant: ClientId) -> Result<Vec<WebhookRow>, DbErr> {
    WebhookRow::find_by_statement(sql(
        "SELECT id, url, kinds, created_at FROM gateway.webhooks WHERE tenant_id = $1 ORDER BY id",
        [tenant.as_uuid().into()],
    ))
    .all(conn)
    .await
}

/// Deletes a tenant's webhook (its pending deliveries and log go with it).
pub async fn delete<C: ConnectionTrait>(conn: &C, tenant: ClientId, id: Uuid) -> Result<bool, DbErr> {
    let done = conn
        .execute_raw(sql(
            "DELETE FROM gateway.webhooks WHERE tenant_id = $1 AND id = $2",
            [tenant.as_uuid().into(), id.into()],
        ))
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Whether the webhook exists and is the tenant's.
pub async fn exists<C: ConnectionTrait>(conn: &C, tenant: ClientId, id: Uuid) -> Result<bool, DbErr> {
    let row = conn
        .query_one_raw(sql(
            "SELECT 1 AS one FROM gateway.webhooks WHERE tenant_id = $1 AND id = $2",
            [tenant.as_uuid().into(), id.into()],
        ))
        .await?;
    Ok(row.is_some())
}

/// Webhooks of `tenant` subscribed to `kind`.
pub async fn subscribed<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    kind: NotificationKind,
) -> Result<Vec<Uuid>, DbErr> {
    let statement = sql(
        "SELECT id FROM gateway.webhooks WHERE tenant_id = $1 AND $2 = ANY (kinds)",
        [tenant.into(), kind.into()],
    );
    crate::store::ids(conn, statement).await
}

/// Queues one delivery (in the notification's transaction).
pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    webhook: Uuid,
    tenant: Uuid,
    notification: Uuid,
    kind: NotificationKind,
    payload: &str,
) -> Result<(), DbErr> {
    conn.execute_raw(sql(
        "INSERT INTO gateway.webhook_deliveries (id, webhook_id, tenant_id, notification_id, kind, payload)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (webhook_id, notification_id) DO NOTHING",
        [id.into(), webhook.into(), tenant.into(), notification.into(), kind.into(), payload.into()],
    ))
    .await?;
    Ok(())
}

/// A delivery in the log.
#[derive(Debug, Clone, FromQueryResult)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub notification_id: Uuid,
    pub kind: NotificationKind,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A webhook's deliveries, newest first, ids below `before`.
pub async fn deliveries<C: ConnectionTrait>(
    conn: &C,
    webhook: Uuid,
    limit: u64,
    before: Option<Uuid>,
) -> Result<Vec<DeliveryRow>, DbErr> {
    DeliveryRow::find_by_statement(sql(
        "SELECT id, notification_id, kind, status, attempts, next_attempt_at, last_attempt_at,
                last_status_code, last_error, created_at, delivered_at
         FROM gateway.webhook_deliveries
         WHERE webhook_id = $1 AND ($2::uuid IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3",
        [webhook.into(), before.into(), i64::try_from(limit).unwrap_or(i64::MAX).into()],
    ))
    .all(conn)
    .await
}

/// A delivery claimed for an attempt.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Due {
    pub id: Uuid,
    pub payload: String,
    pub attempts: i32,
    pub kind: String,
    pub url: String,
    pub secret: String,
}

/// Claims up to `limit` due deliveries: counts the attempt and pushes the
/// next attempt `lease_ms` out, so another worker (or this one after a
/// crash) only retries it once the lease ran out.
pub async fn claim_due<C: ConnectionTrait>(conn: &C, limit: u64, lease_ms: i64) -> Result<Vec<Due>, DbErr> {
    Due::find_by_statement(sql(
        "UPDATE gateway.webhook_deliveries d
         SET attempts = d.attempts + 1, last_attempt_at = now(),
             next_attempt_at = now() + $2 * interval '1 millisecond'
         FROM gateway.webhooks w
         WHERE w.id = d.webhook_id AND d.id IN (
             SELECT id FROM gateway.webhook_deliveries
             WHERE status = 'pending' AND next_attempt_at <= now()
             ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         RETURNING d.id, d.payload, d.attempts, d.kind, w.url, w.secret",
        [i64::try_from(limit).unwrap_or(100).into(), lease_ms.into()],
    ))
    .all(conn)
    .await
}

/// Records the result of attempt `attempt` of a delivery.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    attempt: i32,
    step: NextStep,
    status_code: Option<u16>,
    error: Option<&str>,
) -> Result<(), DbErr> {
    let (status, delay_ms) = match step {
        NextStep::Delivered => (DeliveryStatus::Delivered, 0),
        NextStep::RetryIn(d) => (DeliveryStatus::Pending, i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        NextStep::DeadLetter => (DeliveryStatus::Dead, 0),
    };
    conn.execute_raw(sql(
        "UPDATE gateway.webhook_deliveries
         SET status = $3, next_attempt_at = now() + $4 * interval '1 millisecond',
             delivered_at = CASE WHEN $3 = 'delivered' THEN now() END,
             last_status_code = $5, last_error = $6
         WHERE id = $1 AND attempts = $2 AND status = 'pending'",
        [
            id.into(),
            attempt.into(),
            status.into(),
            delay_ms.into(),
            status_code.map(i32::from).into(),
            error.map(|e| e.chars().take(500).collect::<String>()).into(),
        ],
    ))
    .await?;
    Ok(())
}
