//! Tenants as the admin sees them (docs/OPERATORS_API.md, "Tenants"):
//! listing, status changes, deletion (a tombstone) and per-day growth.

use super::{keyset_page, sql};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, TransactionTrait};
use spot_domain::ClientId;
use spot_domain::ops::{Cursor, PageLimit};
use uuid::Uuid;

/// A tenant with its token and agent counts.
#[derive(Debug, Clone, FromQueryResult, serde::Serialize, utoipa::ToSchema)]
pub struct TenantRow {
    #[schema(value_type = String)]
    pub id: Uuid,
    pub name: String,
    pub email: String,
    /// `active` or `suspended` (deleted tenants are not shown).
    pub status: String,
    #[schema(value_type = String)]
    pub created_at: DateTime<Utc>,
    #[schema(value_type = Option<String>)]
    pub status_changed_at: Option<DateTime<Utc>>,
    pub live_tokens: i64,
    pub agents: i64,
}

const SELECT: &str = "SELECT t.id, t.name, t.email, t.status, t.created_at, t.status_changed_at,
        (SELECT count(*) FROM gateway.api_tokens k WHERE k.tenant_id = t.id AND k.revoked_at IS NULL) AS live_tokens,
        (SELECT count(*) FROM gateway.agents a WHERE a.tenant_id = t.id) AS agents
    FROM gateway.tenants t";

/// `q` as an ILIKE pattern matching it anywhere, wildcards escaped.
pub fn contains_pattern(q: &str) -> String {
    let escaped: String = q
        .chars()
        .flat_map(|c| match c {
            '\\' | '%' | '_' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("%{escaped}%")
}

/// Tenants (not deleted), newest first, optionally whose name or email contains `q`.
pub async fn list(
    db: &DatabaseConnection,
    q: Option<&str>,
    limit: PageLimit,
    after: Option<Cursor>,
) -> Result<Vec<TenantRow>, DbErr> {
    TenantRow::find_by_statement(sql(
        format!(
            "{SELECT} WHERE t.status <> 'deleted'
               AND ($1::text IS NULL OR t.name ILIKE $1 OR t.email ILIKE $1)
               AND ($2::timestamptz IS NULL OR (t.created_at, t.id) < ($2, $3::uuid))
             ORDER BY t.created_at DESC, t.id DESC LIMIT $4"
        ),
        keyset_page(q.map(contains_pattern).into(), after, limit),
    ))
    .all(db)
    .await
}

/// A tenant that is not deleted.
pub async fn get<C: ConnectionTrait>(conn: &C, id: ClientId) -> Result<Option<TenantRow>, DbErr> {
    TenantRow::find_by_statement(sql(
        format!("{SELECT} WHERE t.id = $1 AND t.status <> 'deleted'"),
        [id.as_uuid().into()],
    ))
    .one(conn)
    .await
}

/// Sets `active` or `suspended` (idempotent; a deleted tenant is not found).
pub async fn set_status(
    db: &DatabaseConnection,
    id: ClientId,
    status: &str,
) -> Result<Option<TenantRow>, DbErr> {
    let changed = db
        .execute_raw(sql(
            "UPDATE gateway.tenants
                SET status_changed_at = CASE WHEN status = $2 THEN status_changed_at ELSE now() END,
                    status = $2
              WHERE id = $1 AND status <> 'deleted'",
            [id.as_uuid().into(), status.into()],
        ))
        .await?;
    if changed.rows_affected() == 0 {
        return Ok(None);
    }
    get(db, id).await
}

/// Deletes a tenant: the row stays as a tombstone (`deleted`), every token is
/// revoked. True when the tenant exists (deleted now or before).
pub async fn delete(db: &DatabaseConnection, id: ClientId) -> Result<bool, DbErr> {
    let txn = db.begin().await?;
    let found = txn
        .execute_raw(sql(
            "UPDATE gateway.tenants
                SET status = 'deleted', deleted_at = COALESCE(deleted_at, now()),
                    status_changed_at = COALESCE(deleted_at, now())
              WHERE id = $1",
            [id.as_uuid().into()],
        ))
        .await?
        .rows_affected()
        > 0;
    txn.execute_raw(sql(
        "UPDATE gateway.api_tokens SET revoked_at = now() WHERE tenant_id = $1 AND revoked_at IS NULL",
        [id.as_uuid().into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(found)
}

/// Agents registered per day (UTC) since `from`.
pub async fn registrations_per_day(
    db: &DatabaseConnection,
    id: ClientId,
    from: DateTime<Utc>,
) -> Result<Vec<(NaiveDate, f64)>, DbErr> {
    #[derive(FromQueryResult)]
    struct Day {
        day: NaiveDate,
        n: i64,
    }
    let rows = Day::find_by_statement(sql(
        "SELECT (registered_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n FROM gateway.agents
          WHERE tenant_id = $1 AND registered_at >= $2 GROUP BY 1",
        [id.as_uuid().into(), from.into()],
    ))
    .all(db)
    .await?;
    Ok(rows.into_iter().map(|d| (d.day, d.n as f64)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("acme"), "%acme%");
        assert_eq!(contains_pattern("50%_\\"), "%50\\%\\_\\\\%");
    }
}
