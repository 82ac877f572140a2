//! `GET /api/events/stream`: the live stream (Server-Sent Events; contract
//! in docs/EVENTS.md, "Live updates"). A tenant token streams its tenant's
//! events; the admin token every tenant's, or one tenant's with
//! `?client_id=`. The token comes only in the `Authorization` header
//! (never the query string, so it stays out of access logs).

use crate::auth::require_admin;
use crate::error::ApiError;
use crate::http::ApiErrors;
use crate::live::{Scope, stream};
use crate::state::AppState;
use actix_web::{HttpRequest, HttpResponse, web};
use spot_domain::ClientId;

/// Query of the stream.
#[derive(Debug, Default, serde::Deserialize)]
pub struct StreamParams {
    /// Admin token only: one tenant's events.
    pub client_id: Option<String>,
}

/// Whose events the caller may watch.
async fn scope(req: &HttpRequest, state: &AppState, q: &StreamParams) -> Result<Scope, ApiError> {
    if require_admin(req, state.admin_token_hash.as_ref()).is_ok() {
        return match q.client_id.as_deref() {
            None | Some("") => Ok(Scope::All),
            Some(raw) => {
                ClientId::parse(raw).map(Scope::Client).map_err(|e| ApiError::InvalidField(e.to_string()))
            }
        };
    }
    Ok(Scope::Client(state.tokens.tenant(&state.db, req).await?.id))
}

/// The stream. `Last-Event-ID` resumes; a garbage or too old id starts
/// fresh with an `event: reset` message.
#[utoipa::path(get, path = "/api/events/stream", tag = "live", summary = "Live updates (text/event-stream)",
    params(("client_id" = Option<String>, Query, description = "admin token only: one tenant's events"),
        ("Last-Event-ID" = Option<String>, Header, description = "resume after this id")),
    responses((status = 200, description = "an SSE stream: `id`, `event` and one-line JSON `data` per message, `: keep-alive` comments", content_type = "text/event-stream", body = String),
        ApiErrors))]
pub async fn stream(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<StreamParams>,
) -> Result<HttpResponse, ApiError> {
    let scope = scope(&req, &state, &q).await?;
    // A header that is not text is garbage too: the stream starts fresh.
    let last = req.headers().get("last-event-id").map(|v| v.to_str().unwrap_or(""));
    let sub = state.live.subscribe(scope, last);
    let body = stream::body(sub, state.live.settings().keep_alive, state.shutdown.clone());
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("Cache-Control", "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}
