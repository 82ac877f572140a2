//! SQL of `gateway.notifications`.

use super::mapping::Draft;
use crate::store::sql;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use spot_domain::ClientId;
use spot_domain::notify::{NotificationKind, Severity};
use uuid::Uuid;

/// A stored notification.
#[derive(Debug, Clone, FromQueryResult)]
pub struct NotificationRow {
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub kind: NotificationKind,
    pub severity: Severity,
    pub title: String,
    pub body: String,
    pub group_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, tenant_id, kind, severity, title, body, group_id, agent_id, created_at, read_at";

/// Stores `draft` for `tenant` unless this event already notified it (or
/// the tenant is gone); returns the row when it was new.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    tenant: Uuid,
    draft: &Draft,
    source_event_id: &str,
) -> Result<Option<NotificationRow>, DbErr> {
    NotificationRow::find_by_statement(sql(
        format!(
            "INSERT INTO gateway.notifications
                 (id, tenant_id, kind, severity, title, body, group_id, agent_id, source_event_id)
             SELECT $1, t.id, $3, $4, $5, $6, $7, $8, $9 FROM gateway.tenants t WHERE t.id = $2
             ON CONFLICT (tenant_id, source_event_id, kind) DO NOTHING
             RETURNING {COLUMNS}"
        ),
        [
            Uuid::now_v7().into(),
            tenant.into(),
            draft.kind.into(),
            draft.severity.into(),
            draft.title.as_str().into(),
            draft.body.as_str().into(),
            draft.group_id.into(),
            draft.agent_id.map(|a| a.as_uuid()).into(),
            source_event_id.into(),
        ],
    ))
    .one(conn)
    .await
}

/// Ids of the active tenants (platform-wide notifications go to each).
pub async fn active_tenants<C: ConnectionTrait>(conn: &C) -> Result<Vec<Uuid>, DbErr> {
    crate::store::ids(conn, sql("SELECT id FROM gateway.tenants WHERE status = 'active'", [])).await
}

/// One page, newest first: ids below `before` (a UUIDv7, so creation order).
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    tenant: ClientId,
    unread_only: bool,
    limit: u64,
    before: Option<Uuid>,
) -> Result<Vec<NotificationRow>, DbErr> {
    NotificationRow::find_by_statement(sql(
        format!(
            "SELECT {COLUMNS} FROM gateway.notifications
             WHERE tenant_id = $1 AND ($2 = false OR read_at IS NULL) AND ($3::uuid IS NULL OR id < $3)
             ORDER BY id DESC LIMIT $4"
        ),
        [
            tenant.as_uuid().into(),
            unread_only.into(),
            before.into(),
            i64::try_from(limit).unwrap_or(i64::MAX).into(),
        ],
    ))
    .all(conn)
    .await
}

/// Unread notifications of a tenant.
pub async fn unread_count<C: ConnectionTrait>(conn: &C, tenant: ClientId) -> Result<i64, DbErr> {
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let row = Count::find_by_statement(sql(
        "SELECT count(*) AS n FROM gateway.notifications WHERE tenant_id = $1 AND read_at IS NULL",
        [tenant.as_uuid().into()],
    ))
    .one(conn)
    .await?;
    Ok(row.map_or(0, |r| r.n))
}

/// Marks one notification read (the first read time stays); `None` when it
/// is not the tenant's.
pub async fn mark_read<C: ConnectionTrait>(
    conn: &C,
    tenant: ClientId,
    id: Uuid,
) -> Result<Option<NotificationRow>, DbErr> {
    NotificationRow::find_by_statement(sql(
        format!(
            "UPDATE gateway.notifications SET read_at = COALESCE(read_at, greatest(now(), created_at))
             WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
        ),
        [tenant.as_uuid().into(), id.into()],
    ))
    .one(conn)
    .await
}

/// Marks every unread notification of the tenant read; returns how many.
pub async fn mark_all_read<C: ConnectionTrait>(conn: &C, tenant: ClientId) -> Result<u64, DbErr> {
    let done = conn
        .execute_raw(sql(
            "UPDATE gateway.notifications SET read_at = greatest(now(), created_at)
             WHERE tenant_id = $1 AND read_at IS NULL",
            [tenant.as_uuid().into()],
        ))
        .await?;
    Ok(done.rows_affected())
}
