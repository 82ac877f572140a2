//! What every fuzz target checks besides "no panic" (docs/FUZZING.md).

use actix_web::ResponseError;
use spot_gateway::error::ApiError;

/// A body the gateway refuses must be answered 4xx with its stable code and
/// a rendered error body: a parser never produces a 5xx.
pub fn refused(e: &ApiError) {
    let status = e.status_code();
    assert!(status.is_client_error(), "a refused body answered {status}: {e}");
    assert!(!e.code().is_empty());
    assert_eq!(e.error_response().status(), status);
}

/// The value, or `None` after checking the refusal with [`refused`].
pub fn accepted<T>(result: Result<T, ApiError>) -> Option<T> {
    result.map_err(|e| refused(&e)).ok()
}

/// The first byte (picks a variant) and the rest (the input proper).
pub fn pick(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((first, rest)) => (*first, rest),
        None => (0, data),
    }
}

/// An event meta as the gateway fills it in (its content plays no part in
/// parsing).
pub fn meta() -> spot_contracts::v1::EventMeta {
    spot_contracts::v1::EventMeta::default()
}
