//! Admin API (bearer `SPOT_ADMIN_TOKEN`).

use crate::auth::{generate_token, hash_token, require_admin};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::tenants;
use crate::wire::admin::{CreateClientRequest, CreateClientResponse, NewClient};
use crate::wire::parse_json;
use actix_web::{HttpRequest, HttpResponse, web};

/// `POST /api/admin/clients {name, email}` -> `201 {id, token, name, email}`.
/// The token is returned this once; only its hash is stored.
#[utoipa::path(
    post,
    path = "/api/admin/clients",
    tag = "admin",
    summary = "Create a tenant; the token is shown once",
    request_body = crate::wire::admin::CreateClientRequest,
    responses((status = 201, body = crate::wire::admin::CreateClientResponse), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 403, description = "Admin API disabled", body = crate::openapi::ApiErrorBody))
)]
pub async fn create_client(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    require_admin(&req, state.admin_token_hash.as_ref())?;
    let client = NewClient::try_from(parse_json::<CreateClientRequest>(&body)?)?;
    let token = generate_token()?;
    let prefix: String = token.chars().take(12).collect();
    let id = tenants::create(&state.db, &client.name, &client.email, &hash_token(&token), &prefix).await?;
    tracing::info!(client_id = %id, "tenant created");
    Ok(HttpResponse::Created().json(CreateClientResponse {
        id: id.to_string(),
        token,
        name: client.name,
        email: client.email,
    }))
}
