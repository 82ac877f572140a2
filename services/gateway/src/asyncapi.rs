//! The AsyncAPI document of the events other teams may consume
//! (docs/asyncapi.yaml), served as written at `GET /asyncapi.yaml`, next to
//! `/openapi.json`. A stack test checks it against the code's subjects and
//! streams.

use actix_web::HttpResponse;

/// The document, compiled in.
pub const DOCUMENT: &str = include_str!("../../../docs/asyncapi.yaml");

/// `GET /asyncapi.yaml`.
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().content_type("application/yaml").body(DOCUMENT)
}
