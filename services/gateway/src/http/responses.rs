//! The error answers of the API, documented once. Every `#[utoipa::path]`
//! lists its success body and then [`ApiErrors`]; the statuses are those
//! [`ApiError`](crate::error::ApiError) maps to, each with its stable codes.
//! The edge layers' answers (414, 429, 431, and 422 on writes) are added to
//! every operation by [`super::documented`].

use std::collections::BTreeMap;
use utoipa::openapi::schema::Schema;
use utoipa::openapi::{Content, Ref, RefOr, Response, ResponseBuilder};

/// Error statuses a gateway route can answer with (the body is always
/// [`ApiErrorBody`](crate::error::ApiErrorBody)). Documentation only:
/// handlers return `ApiError`.
#[derive(Debug)]
pub struct ApiErrors;

/// `(status, description)` of each of [`ApiErrors`].
const API_ERRORS: &[(&str, &str)] = &[
    ("400", "Invalid input (malformed_json, invalid_field)"),
    ("401", "Missing or unknown token (unauthorized)"),
    ("403", "Admin token required but the admin API is disabled (admin_api_disabled)"),
    ("404", "Unknown agent, or another tenant's (agent_not_found); unknown resource (not_found)"),
    ("409", "Conflicts with the current state (stable code)"),
    (
        "413",
        "Body larger than the route accepts: agent calls 1 MiB, operator calls 64 KiB, model files 16 MiB by default (payload_too_large)",
    ),
    (
        "503",
        "Overloaded: no admission slot came free in time (overloaded); bus or a backing service unavailable; or the request timed out (request_timeout). Retry after Retry-After",
    ),
];

impl utoipa::IntoResponses for ApiErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        answers(API_ERRORS, error_response)
    }
}

/// A JSON answer: `description`, with a body of `schema`.
pub fn json_response(description: &str, schema: RefOr<Schema>) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content("application/json", Content::new(Some(schema)))
        .build()
        .into()
}

/// An error answer: `description`, with the
/// [`ApiErrorBody`](crate::error::ApiErrorBody) body.
pub fn error_response(description: &str) -> RefOr<Response> {
    json_response(description, Ref::from_schema_name("ApiErrorBody").into())
}

/// The answers of a `(status, description)` table, each made by `response`.
pub fn answers(
    table: &[(&str, &str)],
    response: impl Fn(&str) -> RefOr<Response>,
) -> BTreeMap<String, RefOr<Response>> {
    table.iter().map(|(status, description)| ((*status).to_owned(), response(description))).collect()
}
