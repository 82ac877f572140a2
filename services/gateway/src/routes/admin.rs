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
