//! Admin API for tenants and their tokens (docs/OPERATORS_API.md). Every
//! change to a tenant's tokens or status is announced so every gateway
//! replica drops its cached tokens of that tenant at once.

use crate::auth::{generate_token, hash_token};
use crate::error::{ApiError, ApiErrorBody};
use crate::http::{Admin, ApiErrors, Reply};
use crate::invalidation::announce_auth_change;
use crate::state::AppState;
use crate::store::tenant_admin::{self, TenantRow};
use crate::store::tokens::{self, Minted, NewToken};
use crate::wire::paging::PageParams;
use crate::wire::parse_json;
use crate::wire::tenants::{
    CreateTokenRequest, MintedToken, TenantDeleted, TenantPage, TenantPath, TenantQuery, TokenPage, TokenPath,
};
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};
use spot_domain::ClientId;
use spot_domain::ops::Cursor;
use uuid::Uuid;

/// 404 of a tenant that is not there (or not live).
fn tenant_not_found() -> ApiError {
    ApiError::NotFound("tenant not found".into())
}

/// The `{tenant_id}` of the path: anything that is not a live tenant is not found.
fn tenant_id(raw: &str) -> Result<ClientId, ApiError> {
    ClientId::parse(raw.trim()).map_err(|_| tenant_not_found())
}

/// The live tenant of a `{tenant_id}` path segment; 404 otherwise.
pub(crate) async fn live_tenant(state: &AppState, raw: &str) -> Result<TenantRow, ApiError> {
    let id = tenant_id(raw)?;
    tenant_admin::get(&state.db, id).await?.ok_or_else(tenant_not_found)
}

fn token_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::try_parse(raw.trim()).map_err(|_| ApiError::NotFound("token not found".into()))
}

/// `GET /api/admin/tenants`.
#[utoipa::path(get, path = "/api/admin/tenants", tag = "admin", summary = "Tenants, newest first, searchable by name or email",
    params(TenantQuery, PageParams), responses((status = 200, body = TenantPage), ApiErrors))]
pub async fn list(
    state: web::Data<AppState>,
    query: web::Query<TenantQuery>,
    page: web::Query<PageParams>,
    _: Admin,
) -> Reply<TenantPage> {
    let (limit, after) = page.parse()?;
    let rows = tenant_admin::list(&state.db, query.search()?, limit, after).await?;
    let (items, next_cursor) = limit.page(rows, |t| Cursor { at: t.created_at, id: t.id });
    Ok(web::Json(TenantPage { items, next_cursor }))
}

/// `GET /api/admin/tenants/{tenant_id}`.
#[utoipa::path(get, path = "/api/admin/tenants/{tenant_id}", tag = "admin", summary = "One tenant",
    params(TenantPath), responses((status = 200, body = TenantRow), ApiErrors))]
pub async fn get(state: web::Data<AppState>, path: web::Path<String>, _: Admin) -> Reply<TenantRow> {
    Ok(web::Json(live_tenant(&state, &path).await?))
}

async fn set_status(state: &AppState, raw: &str, status: &str) -> Reply<TenantRow> {
    let id = tenant_id(raw)?;
    let row = tenant_admin::set_status(&state.db, id, status).await?.ok_or_else(tenant_not_found)?;
    announce_auth_change(state, id).await;
    tracing::info!(client_id = %id, status, actor = "admin", "tenant status set");
    Ok(web::Json(row))
}

/// `POST /api/admin/tenants/{tenant_id}/suspend`: every token of the tenant
/// is refused (401) by every gateway within a second; idempotent.
#[utoipa::path(post, path = "/api/admin/tenants/{tenant_id}/suspend", tag = "admin", summary = "Suspend a tenant: its tokens are refused",
    params(TenantPath), responses((status = 200, body = TenantRow), ApiErrors))]
pub async fn suspend(state: web::Data<AppState>, path: web::Path<String>, _: Admin) -> Reply<TenantRow> {
    set_status(&state, &path, "suspended").await
}

/// `POST /api/admin/tenants/{tenant_id}/resume`; idempotent.
#[utoipa::path(post, path = "/api/admin/tenants/{tenant_id}/resume", tag = "admin", summary = "Resume a suspended tenant",
    params(TenantPath), responses((status = 200, body = TenantRow), ApiErrors))]
pub async fn resume(state: web::Data<AppState>, path: web::Path<String>, _: Admin) -> Reply<TenantRow> {
    set_status(&state, &path, "active").await
}

/// `DELETE /api/admin/tenants/{tenant_id}`: tombstone, every token revoked
/// (what happens to the data and agents: docs/OPERATORS_API.md). Repeating
/// it answers the same; a tenant that never existed is 404.
#[utoipa::path(delete, path = "/api/admin/tenants/{tenant_id}", tag = "admin", summary = "Delete a tenant (its tokens are revoked)",
    params(TenantPath), responses((status = 200, body = TenantDeleted), ApiErrors))]
pub async fn delete(state: web::Data<AppState>, path: web::Path<String>, _: Admin) -> Reply<TenantDeleted> {
    let id = tenant_id(&path)?;
    if !tenant_admin::delete(&state.db, id).await? {
        return Err(tenant_not_found());
    }
    announce_auth_change(&state, id).await;
    tracing::info!(client_id = %id, actor = "admin", "tenant deleted");
    Ok(web::Json(TenantDeleted { id: id.to_string(), status: "deleted" }))
}

/// `GET /api/admin/tenants/{tenant_id}/tokens`.
#[utoipa::path(get, path = "/api/admin/tenants/{tenant_id}/tokens", tag = "admin", summary = "A tenant's tokens (never the secrets), newest first",
    params(TenantPath, PageParams), responses((status = 200, body = TokenPage), ApiErrors))]
pub async fn list_tokens(
    state: web::Data<AppState>,
    path: web::Path<String>,
    page: web::Query<PageParams>,
    _: Admin,
) -> Reply<TokenPage> {
    let tenant = live_tenant(&state, &path).await?;
    let (limit, after) = page.parse()?;
    let rows = tokens::list(&state.db, ClientId::from_uuid(tenant.id), limit, after).await?;
    let (items, next_cursor) = limit.page(rows, |t| Cursor { at: t.created_at, id: t.id });
    Ok(web::Json(TokenPage { items, next_cursor }))
}

/// The retry key of a token request: `X-Request-ID` and what was asked.
fn retry_key(req: &HttpRequest, asked: &str) -> Option<(String, [u8; 32])> {
    let id = crate::http::request_id(req);
    (!id.is_empty()).then(|| (id, Sha256::digest(asked.as_bytes()).into()))
}

fn minted_answer(minted: Minted, secret: String) -> Result<HttpResponse, ApiError> {
    match minted {
        Minted::Created(token) => {
            Ok(HttpResponse::Created().json(MintedToken { token, secret: Some(secret) }))
        }
        Minted::Replayed(token) => Ok(HttpResponse::Ok().json(MintedToken { token, secret: None })),
        Minted::KeyReused => Err(ApiError::Unprocessable {
            code: "idempotency_key_reused",
            message: "X-Request-ID was already used with a different request".into(),
        }),
        Minted::NameTaken => Err(ApiError::Conflict {
            code: "token_name_taken".into(),
            message: "the tenant has a live token with this name".into(),
        }),
        Minted::NotLive => Err(ApiError::NotFound("token not found or revoked".into())),
    }
}

fn new_token<'a>(name: &'a str, secret: &str, request: Option<(String, [u8; 32])>) -> NewToken<'a> {
    NewToken { name, hash: hash_token(secret), prefix: secret.chars().take(12).collect(), request }
}

/// `POST /api/admin/tenants/{tenant_id}/tokens {name}` -> 201 with the
/// secret (shown once). Retried with the same `X-Request-ID`: 200, the same
/// token, `secret` null; with a different body: 422.
#[utoipa::path(post, path = "/api/admin/tenants/{tenant_id}/tokens", tag = "admin", summary = "Mint a named token; the secret is shown once",
    params(TenantPath), request_body = CreateTokenRequest,
    responses((status = 201, body = MintedToken), (status = 200, description = "Retried request: the same token, secret null", body = MintedToken),
        (status = 422, description = "X-Request-ID reused with another body (idempotency_key_reused)", body = ApiErrorBody), ApiErrors))]
pub async fn create_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
    _: Admin,
) -> Result<HttpResponse, ApiError> {
    let tenant = ClientId::from_uuid(live_tenant(&state, &path).await?.id);
    let name = parse_json::<CreateTokenRequest>(&body)?.name()?;
    let secret = generate_token()?;
    let new = new_token(&name, &secret, retry_key(&req, &format!("create:{name}")));
    let minted = tokens::create(&state.db, tenant, &new).await?;
    tracing::info!(client_id = %tenant, actor = "admin", "token minted");
    minted_answer(minted, secret)
}

/// `POST /api/admin/tenants/{tenant_id}/tokens/{token_id}/regenerate`:
/// revokes the token and mints one of the same name (secret shown once).
#[utoipa::path(post, path = "/api/admin/tenants/{tenant_id}/tokens/{token_id}/regenerate", tag = "admin", summary = "Replace a token by a new one of the same name",
    params(TokenPath),
    responses((status = 201, body = MintedToken), (status = 200, description = "Retried request: the same token, secret null", body = MintedToken),
        (status = 422, description = "X-Request-ID reused with another request (idempotency_key_reused)", body = ApiErrorBody), ApiErrors))]
pub async fn regenerate_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    _: Admin,
) -> Result<HttpResponse, ApiError> {
    let (raw_tenant, raw_token) = path.into_inner();
    let tenant = ClientId::from_uuid(live_tenant(&state, &raw_tenant).await?.id);
    let old = token_id(&raw_token)?;
    let name = tokens::get(&state.db, tenant, old)
        .await?
        .ok_or_else(|| ApiError::NotFound("token not found".into()))?
        .name;
    let secret = generate_token()?;
    let new = new_token(&name, &secret, retry_key(&req, &format!("regenerate:{old}")));
    let minted = tokens::regenerate(&state.db, tenant, old, &new).await?;
    if matches!(minted, Minted::Created(_)) {
        announce_auth_change(&state, tenant).await;
        tracing::info!(client_id = %tenant, token_id = %old, actor = "admin", "token regenerated");
    }
    minted_answer(minted, secret)
}

/// `POST /api/admin/tenants/{tenant_id}/tokens/{token_id}/revoke` (and
/// `DELETE .../tokens/{token_id}`): refused by every gateway within a
/// second; idempotent.
#[utoipa::path(post, path = "/api/admin/tenants/{tenant_id}/tokens/{token_id}/revoke", tag = "admin", summary = "Revoke a token",
    params(TokenPath), responses((status = 200, body = crate::store::tokens::TokenRow), ApiErrors))]
pub async fn revoke_token(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _: Admin,
) -> Reply<crate::store::tokens::TokenRow> {
    let (raw_tenant, raw_token) = path.into_inner();
    let tenant = ClientId::from_uuid(live_tenant(&state, &raw_tenant).await?.id);
    let token = tokens::revoke(&state.db, tenant, token_id(&raw_token)?)
        .await?
        .ok_or_else(|| ApiError::NotFound("token not found".into()))?;
    announce_auth_change(&state, tenant).await;
    tracing::info!(client_id = %tenant, token_id = %token.id, actor = "admin", "token revoked");
    Ok(web::Json(token))
}

/// `DELETE /api/admin/tenants/{tenant_id}/tokens/{token_id}`: same as revoke.
#[utoipa::path(delete, path = "/api/admin/tenants/{tenant_id}/tokens/{token_id}", tag = "admin", summary = "Revoke a token (same as POST .../revoke)",
    params(TokenPath), responses((status = 200, body = crate::store::tokens::TokenRow), ApiErrors))]
pub async fn delete_token(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    admin: Admin,
) -> Reply<crate::store::tokens::TokenRow> {
    revoke_token(state, path, admin).await
}
