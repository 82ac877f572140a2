//! The operators' web app (`web/`, docs/DASHBOARD.md), embedded into the
//! binary by `build.rs` and served at `/`.
//!
//! Only `GET`/`HEAD` of paths outside `/api` reach it (it is the default
//! service's first look): a file of the built app is answered as is, any
//! other path with `index.html` so the app's own routes (`/groups/..`)
//! survive a reload. Everything under `/api` keeps the JSON 404.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpRequest, HttpResponse};

include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));

/// Hashed asset names (`assets/index-3f2a.js`) never change content.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `index.html` names the current hashes, so it is always revalidated.
const REVALIDATE: &str = "no-cache";

/// The embedded file at `path` (relative, no leading `/`).
fn asset(path: &str) -> Option<(&'static [u8], &'static str)> {
    ASSETS.iter().find(|(p, _, _)| *p == path).map(|(_, bytes, ctype)| (*bytes, *ctype))
}

/// Whether `path` belongs to the API (never answered with the app).
pub fn is_api(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/")
}

/// The app's answer for `req`, or `None` when the request is not the app's
/// (not GET/HEAD, or an API path).
pub fn serve(req: &HttpRequest) -> Option<HttpResponse> {
    if !(req.method() == Method::GET || req.method() == Method::HEAD) || is_api(req.path()) {
        return None;
    }
    let wanted = req.path().trim_start_matches('/');
    let (bytes, ctype, cache) = match asset(wanted) {
        Some((bytes, ctype)) if !wanted.is_empty() && wanted != "index.html" => (bytes, ctype, IMMUTABLE),
        _ => {
            let (bytes, ctype) = asset("index.html")?;
            (bytes, ctype, REVALIDATE)
        }
    };
    let mut res = HttpResponse::build(StatusCode::OK);
    res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(ctype)))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static(cache)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")));
    if req.method() == Method::HEAD {
        return Some(res.finish());
    }
    Some(res.body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn index_is_always_embedded() {
        assert!(asset("index.html").is_some());
    }

    #[test]
    fn api_paths_are_never_the_app() {
        assert!(is_api("/api"));
        assert!(is_api("/api/nope"));
        assert!(!is_api("/apis"));
        assert!(serve(&TestRequest::get().uri("/api/nope").to_http_request()).is_none());
        assert!(serve(&TestRequest::post().uri("/groups/x").to_http_request()).is_none());
    }

    #[test]
    fn unknown_app_paths_fall_back_to_index() {
        let res = serve(&TestRequest::get().uri("/groups/abc").to_http_request());
        let res = res.map(|r| (r.status(), r.headers().get(header::CONTENT_TYPE).cloned()));
        assert_eq!(res, Some((StatusCode::OK, Some(HeaderValue::from_static("text/html; charset=utf-8")))));
    }
}
