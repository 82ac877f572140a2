//! Retries of writes (docs/HARDENING.md, "Idempotent writes"): one layer
//! for every write route instead of a replay table per resource. A write
//! (POST, PUT, PATCH, DELETE) carrying `X-Request-ID` claims the key for its
//! caller (the SHA-256 of its bearer token) with the SHA-256 of what it
//! asks (method, path, query, body). The first 2xx answer is stored and
//! replayed verbatim to every retry (`Idempotent-Replayed: true`); the same
//! key with another request is 422 `idempotency_key_reused`; a retry while
//! the first attempt still runs is 409 `idempotency_request_in_progress`.
//! A non-2xx answer releases the key, so a corrected retry runs.
//!
//! Writes without the header (the field dashboard, agent v4) pass through
//! untouched. Token minting and webhook creation keep their own replay
//! (their secret is shown once and must not be stored here) and are skipped.

use crate::auth::{bearer, hash_token};
use crate::error::{ApiError, TooLarge};
use crate::http::limits::LimitSettings;
use crate::store::sql;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use futures::StreamExt;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult};
use sha2::{Digest, Sha256};
use std::time::Duration;

/// Header a replayed answer carries.
pub const REPLAYED: &str = "idempotent-replayed";

/// The layer's database and timings.
#[derive(Debug, Clone)]
pub struct Idempotency {
    pub db: DatabaseConnection,
    pub limits: LimitSettings,
}

/// What claiming a key came to.
#[derive(Debug)]
enum Claim {
    /// This request runs; its answer will be stored.
    Mine,
    /// The first attempt's answer.
    Replay(Stored),
    /// The key was used with another request.
    Reused,
    /// The first attempt still runs.
    InFlight,
}

#[derive(Debug, FromQueryResult)]
struct Stored {
    status: Option<i16>,
    content_type: Option<String>,
    body: Option<Vec<u8>>,
}

#[derive(Debug, FromQueryResult)]
struct Existing {
    fingerprint: Vec<u8>,
    status: Option<i16>,
    content_type: Option<String>,
    body: Option<Vec<u8>>,
}

/// Routes that replay on their own (secrets shown once): POST to
/// `/api/webhooks`, `/api/admin/tenants/{id}/tokens` and `.../regenerate`.
fn self_keyed(method: &Method, path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    method == Method::POST
        && matches!(
            segments.as_slice(),
            ["api", "webhooks"]
                | ["api", "admin", "tenants", _, "tokens"]
                | ["api", "admin", "tenants", _, "tokens", _, "regenerate"]
        )
}

/// `(scope, key)` of a keyed write, `None` for every other request.
fn key_of(req: &ServiceRequest) -> Option<([u8; 32], String)> {
    let write = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    if !write || self_keyed(req.method(), req.path()) {
        return None;
    }
    let key = crate::http::request_id(req.request());
    let token = bearer(req.request())?;
    (!key.is_empty()).then(|| (hash_token(token), key))
}

fn fingerprint(req: &ServiceRequest, body: &[u8]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for part in [req.method().as_str(), req.path(), req.query_string()] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(body);
    hash.finalize().into()
}

impl Idempotency {
    /// A first attempt older than this is taken as abandoned (its gateway
    /// died mid-request): a retry runs again.
    fn stale_after(&self) -> Duration {
        self.limits.longest_timeout() + Duration::from_secs(10)
    }

    async fn claim(&self, scope: &[u8; 32], key: &str, asked: &[u8; 32]) -> Result<Claim, DbErr> {
        let values = || [scope.to_vec().into(), key.into(), asked.to_vec().into()];
        let inserted = self
            .db
            .query_one_raw(sql(
                "INSERT INTO gateway.idempotency_keys (scope, request_id, fingerprint) VALUES ($1, $2, $3)
                 ON CONFLICT (scope, request_id) DO NOTHING RETURNING 1 AS one",
                values(),
            ))
            .await?;
        if inserted.is_some() {
            return Ok(Claim::Mine);
        }
        let existing = Existing::find_by_statement(sql(
            "SELECT fingerprint, status, content_type, body FROM gateway.idempotency_keys
             WHERE scope = $1 AND request_id = $2",
            [scope.to_vec().into(), key.into()],
        ))
        .one(&self.db)
        .await?;
        let Some(existing) = existing else {
            // Released between the two statements: the retry runs next time.
            return Ok(Claim::InFlight);
        };
        if existing.fingerprint != asked.as_slice() {
            return Ok(Claim::Reused);
        }
        if existing.status.is_some() {
            let Existing { status, content_type, body, .. } = existing;
            return Ok(Claim::Replay(Stored { status, content_type, body }));
        }
        let taken_over = self
            .db
            .query_one_raw(sql(
                "UPDATE gateway.idempotency_keys SET started_at = now()
                 WHERE scope = $1 AND request_id = $2 AND status IS NULL
                   AND started_at < now() - make_interval(secs => $3)
                 RETURNING 1 AS one",
                [scope.to_vec().into(), key.into(), self.stale_after().as_secs_f64().into()],
            ))
            .await?;
        Ok(if taken_over.is_some() { Claim::Mine } else { Claim::InFlight })
    }

    async fn store(&self, scope: &[u8; 32], key: &str, status: StatusCode, ct: Option<String>, body: &[u8]) {
        let done = self
            .db
            .execute_raw(sql(
                "UPDATE gateway.idempotency_keys SET status = $3, content_type = $4, body = $5
                 WHERE scope = $1 AND request_id = $2",
                [
                    scope.to_vec().into(),
                    key.into(),
                    (status.as_u16() as i16).into(),
                    ct.into(),
                    body.to_vec().into(),
                ],
            ))
            .await;
        // The write itself succeeded; a retry then runs again and relies on
        // the route's own duplicate checks, as without a key.
        if let Err(e) = done {
            tracing::warn!(error = %e, "cannot store an idempotent answer");
        }
    }

    async fn release(&self, scope: &[u8; 32], key: &str) {
        let done = self
            .db
            .execute_raw(sql(
                "DELETE FROM gateway.idempotency_keys WHERE scope = $1 AND request_id = $2 AND status IS NULL",
                [scope.to_vec().into(), key.into()],
            ))
            .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "cannot release an idempotency key (free again once stale)");
        }
    }

    /// Drops keys older than the retention, then every hour, until shutdown.
    pub async fn run_pruning(self, shutdown: spot_platform::Shutdown) {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let done = self.db.execute_raw(sql(
                        "DELETE FROM gateway.idempotency_keys WHERE started_at < now() - make_interval(secs => $1)",
                        [self.limits.idempotency_retention.as_secs_f64().into()],
                    )).await;
                    if let Err(e) = done {
                        tracing::warn!(error = %e, "cannot prune idempotency keys");
                    }
                }
                () = shutdown.wait() => return,
            }
        }
    }
}

async fn read_body(req: &mut ServiceRequest, limit: usize) -> Result<web::Bytes, ApiError> {
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            actix_web::error::PayloadError::Overflow => ApiError::TooLarge(TooLarge::Body(limit)),
            other => ApiError::MalformedJson(format!("request body could not be read: {other}")),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::TooLarge(TooLarge::Body(limit)));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn replay(stored: Stored) -> HttpResponse {
    let status = stored.status.and_then(|s| StatusCode::from_u16(s as u16).ok()).unwrap_or(StatusCode::OK);
    let mut answer = HttpResponse::build(status);
    answer.insert_header((REPLAYED, "true"));
    if let Some(ct) = stored.content_type {
        answer.content_type(ct);
    }
    answer.body(stored.body.unwrap_or_default())
}

/// Middleware body (see the module comment).
pub async fn layer<B>(
    keys: Idempotency,
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B, BoxBody>>, actix_web::Error>
where
    B: MessageBody + 'static,
{
    let Some((scope, key)) = key_of(&req) else {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    };
    let limit = keys.limits.body_limit(req.path());
    // Read before the handler's time limit starts, under one of its own: a
    // body sent slowly must not hold its admission slot for ever.
    let read = tokio::time::timeout(keys.limits.longest_timeout(), read_body(&mut req, limit)).await;
    let body = match read.unwrap_or(Err(ApiError::Timeout)) {
        Ok(body) => body,
        Err(e) => return Ok(req.error_response(e).map_into_right_body()),
    };
    let asked = fingerprint(&req, &body);
    req.set_payload(actix_web::dev::Payload::Stream {
        payload: Box::pin(futures::stream::once(async move { Ok(body) })),
    });
    let refusal = match keys.claim(&scope, &key, &asked).await {
        Ok(Claim::Mine) => None,
        Ok(Claim::Replay(stored)) => return Ok(req.into_response(replay(stored)).map_into_right_body()),
        Ok(Claim::Reused) => Some(ApiError::Unprocessable {
            code: "idempotency_key_reused",
            message: "X-Request-ID was already used with a different request".into(),
        }),
        Ok(Claim::InFlight) => Some(ApiError::Conflict {
            code: "idempotency_request_in_progress".into(),
            message: "a request with this X-Request-ID is still running; retry shortly".into(),
        }),
        Err(e) => Some(e.into()),
    };
    if let Some(e) = refusal {
        return Ok(req.error_response(e).map_into_right_body());
    }
    let answer = match next.call(req).await {
        Ok(answer) => answer,
        Err(e) => {
            keys.release(&scope, &key).await;
            return Err(e);
        }
    };
    if !answer.status().is_success() {
        keys.release(&scope, &key).await;
        return Ok(answer.map_into_left_body());
    }
    let (http, response) = answer.into_parts();
    let (head, body) = response.into_parts();
    let bytes = match actix_web::body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(e) => {
            keys.release(&scope, &key).await;
            let e = ApiError::internal(e.into());
            return Ok(ServiceResponse::new(http, actix_web::ResponseError::error_response(&e))
                .map_into_right_body());
        }
    };
    let ct = head
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    keys.store(&scope, &key, head.status(), ct, &bytes).await;
    Ok(ServiceResponse::new(http, head.set_body(bytes).map_into_boxed_body()).map_into_right_body())
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn only_keyed_writes_with_a_token_are_claimed() {
        let keyed = |req: TestRequest| key_of(&req.to_srv_request()).map(|(_, k)| k);
        let write = || {
            TestRequest::post()
                .uri("/api/agents/a/issue-switch-command")
                .insert_header(("Authorization", "Bearer t"))
        };
        assert_eq!(keyed(write().insert_header(("X-Request-ID", " r-1 "))).as_deref(), Some("r-1"));
        assert_eq!(keyed(write()), None, "no header: the field dashboard's write");
        let read = TestRequest::get().uri("/api/savings").insert_header(("X-Request-ID", "r-1"));
        assert_eq!(keyed(read.insert_header(("Authorization", "Bearer t"))), None);
        let anonymous = TestRequest::post().uri("/api/agents/register").insert_header(("X-Request-ID", "r"));
        assert_eq!(keyed(anonymous), None, "no token: the handler answers 401");
        for own in
            ["/api/webhooks", "/api/admin/tenants/t/tokens", "/api/admin/tenants/t/tokens/k/regenerate"]
        {
            let req = TestRequest::post()
                .uri(own)
                .insert_header(("X-Request-ID", "r"))
                .insert_header(("Authorization", "Bearer t"));
            assert_eq!(keyed(req), None, "{own} replays on its own");
        }
    }

    #[test]
    fn the_fingerprint_covers_method_path_query_and_body() {
        let fp = |req: TestRequest, body: &[u8]| fingerprint(&req.to_srv_request(), body);
        let base = fp(TestRequest::post().uri("/a?x=1"), b"{}");
        assert_eq!(base, fp(TestRequest::post().uri("/a?x=1"), b"{}"));
        assert_ne!(base, fp(TestRequest::put().uri("/a?x=1"), b"{}"));
        assert_ne!(base, fp(TestRequest::post().uri("/b?x=1"), b"{}"));
        assert_ne!(base, fp(TestRequest::post().uri("/a?x=2"), b"{}"));
        assert_ne!(base, fp(TestRequest::post().uri("/a?x=1"), b"{\"a\":1}"));
    }
}
