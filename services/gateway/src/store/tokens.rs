//! A tenant's named API tokens (docs/OPERATORS_API.md, "Tokens"): several
//! per tenant, each stored only as its SHA-256, with a display prefix, a
//! last-used time and the `X-Request-ID` that created it.

use super::{keyset_page, sql};
use crate::auth::TokenHash;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, SqlErr, TransactionTrait};
use spot_domain::ClientId;
use spot_domain::ops::{Cursor, PageLimit};
use uuid::Uuid;

/// A token as operators see it (never the secret).
#[derive(Debug, Clone, FromQueryResult, serde::Serialize, utoipa::ToSchema)]
pub struct TokenRow {
    #[schema(value_type = String)]
    pub id: Uuid,
    pub name: String,
    /// First characters of the token, to recognise it; not enough to use it.
    pub token_prefix: String,
    #[schema(value_type = String)]
    pub created_at: DateTime<Utc>,
    /// Precise to about a minute (auth::LAST_USED_RESOLUTION).
    #[schema(value_type = Option<String>)]
    pub last_used_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<String>)]
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, name, token_prefix, created_at, last_used_at, revoked_at";

/// A new token's secret material and the retry key of the request.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub name: &'a str,
    pub hash: TokenHash,
    pub prefix: String,
    /// `X-Request-ID` and the SHA-256 of what was asked (name, and for a
    /// regeneration the replaced token).
    pub request: Option<(String, [u8; 32])>,
}

/// What a create or regenerate did.
#[derive(Debug)]
pub enum Minted {
    /// A new token: the caller shows its secret this once.
    Created(TokenRow),
    /// The same request was made before: its token, without the secret.
    Replayed(TokenRow),
    /// The request id was used before for something else.
    KeyReused,
    /// Another live token of the tenant has this name.
    NameTaken,
    /// The token to regenerate is unknown or revoked.
    NotLive,
}

/// Records that a token was used now.
pub async fn touch<C: ConnectionTrait>(conn: &C, token: Uuid) -> Result<(), DbErr> {
    conn.execute_raw(sql("UPDATE gateway.api_tokens SET last_used_at = now() WHERE id = $1", [token.into()]))
        .await?;
    Ok(())
}

/// A tenant's tokens, newest first, revoked ones included.
pub async fn list(
    db: &DatabaseConnection,
    tenant: ClientId,
    limit: PageLimit,
    after: Option<Cursor>,
) -> Result<Vec<TokenRow>, DbErr> {
    TokenRow::find_by_statement(sql(
        format!(
            "SELECT {COLUMNS} FROM gateway.api_tokens WHERE tenant_id = $1
               AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3::uuid))
             ORDER BY created_at DESC, id DESC LIMIT $4"
        ),
        keyset_page(tenant.as_uuid().into(), after, limit),
    ))
    .all(db)
    .await
}

/// One token of a tenant.
pub async fn get<C: ConnectionTrait>(
    conn: &C,
    tenant: ClientId,
    token: Uuid,
) -> Result<Option<TokenRow>, DbErr> {
    TokenRow::find_by_statement(sql(
        format!("SELECT {COLUMNS} FROM gateway.api_tokens WHERE tenant_id = $1 AND id = $2"),
        [tenant.as_uuid().into(), token.into()],
    ))
    .one(conn)
    .await
}

async fn replay<C: ConnectionTrait>(
    conn: &C,
    tenant: ClientId,
    new: &NewToken<'_>,
) -> Result<Option<Minted>, DbErr> {
    let Some((request_id, request_hash)) = &new.request else { return Ok(None) };
    #[derive(FromQueryResult)]
    struct Previous {
        id: Uuid,
        request_hash: Vec<u8>,
    }
    let previous = Previous::find_by_statement(sql(
        "SELECT id, request_hash FROM gateway.api_tokens WHERE tenant_id = $1 AND request_id = $2",
        [tenant.as_uuid().into(), request_id.clone().into()],
    ))
    .one(conn)
    .await?;
    let Some(previous) = previous else { return Ok(None) };
    if previous.request_hash != request_hash.as_slice() {
        return Ok(Some(Minted::KeyReused));
    }
    Ok(get(conn, tenant, previous.id).await?.map(Minted::Replayed))
}

async fn insert<C: ConnectionTrait>(conn: &C, tenant: ClientId, new: &NewToken<'_>) -> Result<Minted, DbErr> {
    let (request_id, request_hash) = match &new.request {
        Some((id, hash)) => (Some(id.clone()), Some(hash.to_vec())),
        None => (None, None),
    };
    let inserted = TokenRow::find_by_statement(sql(
        format!(
            "INSERT INTO gateway.api_tokens (id, tenant_id, token_hash, token_prefix, name, request_id, request_hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING {COLUMNS}"
        ),
        [
            Uuid::now_v7().into(),
            tenant.as_uuid().into(),
            new.hash.to_vec().into(),
            new.prefix.clone().into(),
            new.name.into(),
            request_id.into(),
            request_hash.into(),
        ],
    ))
    .one(conn)
    .await;
    match inserted {
        Ok(Some(row)) => Ok(Minted::Created(row)),
        Ok(None) => Err(DbErr::RecordNotInserted),
        // Both unique indexes (live name, request id) mean "someone else got
        // there first"; a concurrent retry of the same request is a name clash
        // too and resolves on the next retry as a replay.
        Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => Ok(Minted::NameTaken),
        Err(e) => Err(e),
    }
}

/// Mints a named token for a tenant (idempotent under its request id).
pub async fn create(db: &DatabaseConnection, tenant: ClientId, new: &NewToken<'_>) -> Result<Minted, DbErr> {
    let txn = db.begin().await?;
    if let Some(done) = replay(&txn, tenant, new).await? {
        return Ok(done);
    }
    let minted = insert(&txn, tenant, new).await?;
    txn.commit().await?;
    Ok(minted)
}

/// Revokes `old` and mints a token of the same name in one transaction.
pub async fn regenerate(
    db: &DatabaseConnection,
    tenant: ClientId,
    old: Uuid,
    new: &NewToken<'_>,
) -> Result<Minted, DbErr> {
    let txn = db.begin().await?;
    if let Some(done) = replay(&txn, tenant, new).await? {
        return Ok(done);
    }
    let revoked = txn
        .execute_raw(sql(
            "UPDATE gateway.api_tokens SET revoked_at = now()
             WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL",
            [tenant.as_uuid().into(), old.into()],
        ))
        .await?;
    if revoked.rows_affected() == 0 {
        return Ok(Minted::NotLive);
    }
    let minted = insert(&txn, tenant, new).await?;
    if matches!(minted, Minted::Created(_)) {
        txn.commit().await?;
    }
    Ok(minted)
}

/// Revokes a token (idempotent: revoking twice keeps the first time).
pub async fn revoke(
    db: &DatabaseConnection,
    tenant: ClientId,
    token: Uuid,
) -> Result<Option<TokenRow>, DbErr> {
    TokenRow::find_by_statement(sql(
        format!(
            "UPDATE gateway.api_tokens SET revoked_at = COALESCE(revoked_at, now())
             WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
        ),
        [tenant.as_uuid().into(), token.into()],
    ))
    .one(db)
    .await
}
