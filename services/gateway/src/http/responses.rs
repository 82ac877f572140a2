//! The error answers of the API, documented once. Every `#[utoipa::path]`
//! lists its success body and then [`ApiErrors`]; the statuses are those
//! [`ApiError`](crate::error::ApiError) maps to, each with its stable codes.
//! The edge layers' answers (414, 429, 431, and 422 on writes) are added to
//! every operation by [`super::documented`].

use crate::error::ApiErrorBody;

/// Error statuses a gateway route can answer with (the body is always
/// [`ApiErrorBody`]). Documentation only: handlers return `ApiError`.
#[derive(utoipa::IntoResponses)]
pub enum ApiErrors {
    #[response(status = 400, description = "Invalid input (malformed_json, invalid_field)")]
    BadRequest(ApiErrorBody),
    #[response(status = 401, description = "Missing or unknown token (unauthorized)")]
    Unauthorized(ApiErrorBody),
    #[response(
        status = 403,
        description = "Admin token required but the admin API is disabled (admin_api_disabled)"
    )]
    Forbidden(ApiErrorBody),
    #[response(
        status = 404,
        description = "Unknown agent, or another tenant's (agent_not_found); unknown resource (not_found)"
    )]
    NotFound(ApiErrorBody),
    #[response(status = 409, description = "Conflicts with the current state (stable code)")]
    Conflict(ApiErrorBody),
    #[response(
        status = 413,
        description = "Body larger than the route accepts: agent calls 1 MiB, operator calls 64 KiB, model files 16 MiB by default (payload_too_large)"
    )]
    PayloadTooLarge(ApiErrorBody),
    #[response(
        status = 503,
        description = "Bus or a backing service unavailable, or the request timed out (request_timeout); retry after Retry-After"
    )]
    Unavailable(ApiErrorBody),
}
