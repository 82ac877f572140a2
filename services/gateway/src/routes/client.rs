//! Installer checks: `GET /health` and `GET /api/client/validate`.

use crate::auth::Tenant;
use crate::http::ApiErrors;
use crate::wire::admin::ValidateResponse;
use actix_web::{HttpResponse, web};

/// `GET /health`: the process answers (installers call it).
#[utoipa::path(get, path = "/health", tag = "installer", summary = "Installer check: the gateway answers",
    responses((status = 200, description = "Alive", body = serde_json::Value)))]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// `GET /api/client/validate`: is this bearer token a tenant's?
#[utoipa::path(get, path = "/api/client/validate", tag = "installer", summary = "Is this bearer token a tenant's?",
    responses((status = 200, body = ValidateResponse), ApiErrors))]
pub async fn validate(tenant: Tenant) -> web::Json<ValidateResponse> {
    web::Json(ValidateResponse {
        valid: true,
        client_id: tenant.id.to_string(),
        name: tenant.name,
        email: tenant.email,
    })
}
