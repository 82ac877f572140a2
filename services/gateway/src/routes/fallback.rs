//! Answers for requests no handler produced: unknown routes and methods, and
//! bodies over the size limit, all as the same JSON error body.

use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::{HttpRequest, HttpResponse};
use spot_platform::http::error_response;

/// Unknown route: the web app for a browser's GET outside `/api`
/// ([`crate::web_app`]), else 404 `route_not_found`.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    if let Some(app) = crate::web_app::serve(&req) {
        return app;
    }
    error_response(
        StatusCode::NOT_FOUND,
        "route_not_found",
        &format!("no route for {} {}", req.method(), req.path()),
    )
}

fn replace<B>(
    res: ServiceResponse<B>,
    code: &str,
    message: &str,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let status = res.status();
    let (req, _) = res.into_parts();
    let body = error_response(status, code, message).map_into_boxed_body();
    let res = ServiceResponse::new(req, body).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

fn is_json<B>(res: &ServiceResponse<B>) -> bool {
    res.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Rewrites actix's plain-text errors (413, 405, extractor 400s) as JSON.
pub fn json_errors<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new()
        .handler(StatusCode::PAYLOAD_TOO_LARGE, |res| {
            // The route's limit is in docs/HARDENING.md ("Edge limits").
            replace(res, "payload_too_large", "request body is larger than this route accepts")
        })
        .handler(StatusCode::METHOD_NOT_ALLOWED, |res| {
            replace(res, "method_not_allowed", "method not allowed")
        })
        .handler(StatusCode::BAD_REQUEST, |res| {
            if is_json(&res) {
                Ok(ErrorHandlerResponse::Response(res.map_into_left_body()))
            } else {
                replace(res, "bad_request", "request could not be read")
            }
        })
}
