//! Tenants and their API tokens.

use crate::auth::{Tenant, TokenHash};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, TransactionTrait};
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
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO gateway.tenants (id, name, email) VALUES ($1, $2, $3)",
        [id.into(), name.into(), email.into()],
    ))
    .await?;
    txn.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
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
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT t.id, t.name, t.email FROM gateway.api_tokens k JOIN gateway.tenants t ON t.id = k.tenant_id
             WHERE k.token_hash = $1 AND k.revoked_at IS NULL AND t.status = 'active'",
            [hash.to_vec().into()],
        ))
        .await?;
    row.map(|r| {
        Ok(Tenant {
            id: ClientId::from_uuid(r.try_get("", "id")?),
            name: r.try_get("", "name")?,
            email: r.try_get("", "email")?,
        })
    })
    .transpose()
}
