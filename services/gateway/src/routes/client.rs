//! Installer checks: `GET /health` and `GET /api/client/validate`.

use crate::error::ApiError;
use crate::http::ApiErrors;
use crate::state::AppState;
use crate::wire::admin::ValidateResponse;
use actix_web::{HttpRequest, HttpResponse, web};

/// `GET /health`: the process answers (installers call it).
#[utoipa::path(get, path = "/health", tag = "installer", summary = "Installer check: the gateway answers",
    responses((status = 200, description = "Alive", body = serde_json::Value)))]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// `GET /api/client/validate`: is this bearer token a tenant's?
#[utoipa::path(get, path = "/api/client/validate", tag = "installer", summary = "Is this bearer token a tenant's?",
    responses((status = 200, body = ValidateResponse), ApiErrors))]
pub async fn validate(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let tenant = match state.tokens.tenant(&state.db, &req).await {
        Err(ApiError::Unauthorized) => return Err(refusal(&state, &req).await),
        other => other?,
    };
    Ok(HttpResponse::Ok().json(ValidateResponse {
        valid: true,
        client_id: tenant.id.to_string(),
        name: tenant.name,
        email: tenant.email,
    }))
}

/// 403 for a live token of an inactive tenant (the dashboard and installers
/// tell "suspended" from "wrong token"), 401 otherwise.
async fn refusal(state: &AppState, req: &HttpRequest) -> ApiError {
    let Some(token) = crate::auth::bearer(req) else { return ApiError::Unauthorized };
    match crate::store::tenant_status::of_token(&state.db, &crate::auth::hash_token(token)).await {
        Ok(Some(status)) if status != "active" => ApiError::Forbidden("tenant_inactive"),
        Ok(_) => ApiError::Unauthorized,
        Err(e) => e.into(),
    }
}
