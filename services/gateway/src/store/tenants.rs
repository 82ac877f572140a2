//! Tenants and their API tokens.

use super::sql;
use crate::auth::{Tenant, TokenHash};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, TransactionTrait};
use spot_domain::ClientId;
use uuid::Uuid;

/// Creates a tenant with its first token (given as hash) in one transaction.
pub async fn create(
    db: &DatabaseConnection,
    name: &str,
    email: &str,
    token_hash: &TokenHash,
    token_prefix: &str,
) -> Result<ClientId, DbErr> {
    let id = Uuid::now_v7();
    let txn = db.begin().await?;
    txn.execute_raw(sql(
        "INSERT INTO gateway.tenants (id, name, email) VALUES ($1, $2, $3)",
        [id.into(), name.into(), email.into()],
    ))
    .await?;
    txn.execute_raw(sql(
        "INSERT INTO gateway.api_tokens (id, tenant_id, token_hash, token_prefix) VALUES ($1, $2, $3, $4)",
        [Uuid::now_v7().into(), id.into(), token_hash.to_vec().into(), token_prefix.into()],
    ))
    .await?;
    txn.commit().await?;
    Ok(ClientId::from_uuid(id))
}

/// The active tenant owning an unrevoked token.
pub async fn find_by_token_hash<C: ConnectionTrait>(
    conn: &C,
    hash: &TokenHash,
) -> Result<Option<Tenant>, DbErr> {
    #[derive(FromQueryResult)]
    struct TenantRow {
        id: Uuid,
        name: String,
        email: String,
        token_id: Uuid,
    }
    let row = TenantRow::find_by_statement(sql(
        "SELECT t.id, t.name, t.email, k.id AS token_id FROM gateway.api_tokens k JOIN gateway.tenants t ON t.id = k.tenant_id
         WHERE k.token_hash = $1 AND k.revoked_at IS NULL AND t.status = 'active'",
        [hash.to_vec().into()],
    ))
    .one(conn)
    .await?;
    Ok(row.map(|t| Tenant {
        id: ClientId::from_uuid(t.id),
        name: t.name,
        email: t.email,
        token_id: t.token_id,
    }))
}
