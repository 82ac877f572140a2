//! What the dashboard's paths document once for the OpenAPI annotations:
//! the `{client_id}` of the tenant pages and the error answers, in the
//! dashboard's body on its own paths and in the gateway's on the paths it
//! shares with the operator API.

use crate::http::responses::{answers, error_response, json_response};
use std::collections::BTreeMap;
use utoipa::PartialSchema;
use utoipa::openapi::{RefOr, Response};

/// The `{client_id}` path parameter of the tenant pages.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ClientIdPath {
    /// client_id from validate
    pub client_id: String,
}

/// Error statuses of the dashboard-only paths, in the dashboard's body
/// (documented as free JSON). A route whose answer reads otherwise lists
/// that status after this preset, which it overrides.
#[derive(Debug)]
pub struct DashErrors;

const DASH_ERRORS: &[(&str, &str)] = &[
    ("401", "Missing or unknown token"),
    ("404", "Another tenant's client id"),
    (
        "503",
        "Lifecycle unavailable, the gateway overloaded (overloaded) or the request timed out (request_timeout)",
    ),
];

impl utoipa::IntoResponses for DashErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        answers(DASH_ERRORS, |description| json_response(description, serde_json::Value::schema()))
    }
}

/// Error statuses of the paths the dashboard shares with the operator API
/// (replica and switch requests), in the gateway's error body.
#[derive(Debug)]
pub struct SharedWriteErrors;

const SHARED_WRITE_ERRORS: &[(&str, &str)] = &[
    ("400", "Invalid input (malformed_json, invalid_field)"),
    ("401", "Missing or unknown token"),
    ("404", "Unknown agent, or another tenant's (agent_not_found)"),
    ("409", "Conflicts with the current state (stable code)"),
    (
        "503",
        "Bus or lifecycle unavailable, overloaded (overloaded) or timed out (request_timeout); retry after Retry-After",
    ),
];

impl utoipa::IntoResponses for SharedWriteErrors {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        answers(SHARED_WRITE_ERRORS, error_response)
    }
}
