//! Admin API (bearer `SPOT_ADMIN_TOKEN`).

use crate::auth::{generate_token, hash_token};
use crate::error::ApiError;
use crate::http::{Admin, ApiErrors};
use crate::state::AppState;
use crate::store::tenants;
use crate::wire::admin::{CreateClientRequest, CreateClientResponse, NewClient};
use crate::wire::parse_json;
use actix_web::{HttpResponse, web};

/// `POST /api/admin/clients {name, email}` -> `201 {id, token, name, email}`.
/// The token is returned this once; only its hash is stored.
#[utoipa::path(post, path = "/api/admin/clients", tag = "admin", summary = "Create a tenant; the token is shown once",
    request_body = CreateClientRequest, responses((status = 201, body = CreateClientResponse), ApiErrors))]
pub async fn create_client(
    state: web::Data<AppState>,
    body: web::Bytes,
    _: Admin,
) -> Result<HttpResponse, ApiError> {
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
