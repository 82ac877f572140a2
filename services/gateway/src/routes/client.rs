//! Installer checks: `GET /health` and `GET /api/client/validate`.

use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::admin::ValidateResponse;
use actix_web::{HttpRequest, HttpResponse, web};

/// `GET /health`: the process answers (installers call it).
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// `GET /api/client/validate`: is this bearer token a tenant's?
pub async fn validate(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let tenant = state.tokens.tenant(&state.db, &req).await?;
    Ok(HttpResponse::Ok().json(ValidateResponse {
        valid: true,
        client_id: tenant.id.to_string(),
        name: tenant.name,
        email: tenant.email,
    }))
}
