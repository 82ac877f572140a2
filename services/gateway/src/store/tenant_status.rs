//! Why a token was refused: validate answers 403 for a known token of an
//! inactive tenant and 401 for anything else (client-dashboard contract).

use crate::auth::TokenHash;
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement};

/// Status of the tenant owning this unrevoked token (`active`, `suspended`), if any.
pub async fn of_token<C: ConnectionTrait>(conn: &C, hash: &TokenHash) -> Result<Option<String>, DbErr> {
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT t.status FROM gateway.api_tokens k JOIN gateway.tenants t ON t.id = k.tenant_id
             WHERE k.token_hash = $1 AND k.revoked_at IS NULL",
            [hash.to_vec().into()],
        ))
        .await?;
    row.map(|r| r.try_get("", "status")).transpose()
}
