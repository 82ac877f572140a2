//! Webhooks (docs/NOTIFICATIONS.md): list, create (the secret is shown
//! once; `X-Request-ID` makes a retry return the same webhook, and a reused
//! key with another body is 422 `idempotency_key_reused`), delete, and the
//! delivery log. A URL that is not http(s) or does not resolve is 422.

use crate::error::ApiError;
use crate::http::{ApiErrors, ClientScope, Reply, request_id};
use crate::state::AppState;
use crate::webhooks::store::{self, Created, NewWebhook};
use crate::wire::notifications::{
    DeliveryPage, DeliveryView, PageParams, WebhookBody, WebhookCreated, WebhookList, cursor, limit, page,
    path_id,
};
use crate::wire::parse_json;
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};
use spot_domain::notify::{WebhookError, WebhookKinds, WebhookSecret, WebhookUrl};
use std::time::Duration;

/// How long resolving a webhook's host may take at creation.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(3);

fn refused(e: WebhookError) -> ApiError {
    ApiError::Unprocessable { code: e.code(), message: e.to_string() }
}

/// 422 `webhook_url_unresolvable` unless the host resolves to an address.
async fn resolves(url: &WebhookUrl) -> Result<(), ApiError> {
    let lookup = tokio::net::lookup_host((url.host(), url.port()));
    match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
        Ok(Ok(mut addrs)) => match addrs.next() {
            Some(_) => Ok(()),
            None => Err(unresolvable(url)),
        },
        _ => Err(unresolvable(url)),
    }
}

fn unresolvable(url: &WebhookUrl) -> ApiError {
    ApiError::Unprocessable {
        code: "webhook_url_unresolvable",
        message: format!("url: host {:?} does not resolve", url.host()),
    }
}

/// A new secret: 32 random bytes as hex.
fn generated_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(ApiError::internal)?;
    Ok(format!("whsec_{}", hex::encode(bytes)))
}

/// `GET /api/webhooks`.
#[utoipa::path(get, path = "/api/webhooks", tag = "notifications", summary = "The tenant's webhooks (secrets are never listed)",
    params(("client_id" = Option<String>, Query, description = "admin token only (required)")),
    responses((status = 200, body = WebhookList), ApiErrors))]
pub async fn list(state: web::Data<AppState>, ClientScope(client): ClientScope) -> Reply<WebhookList> {
    let items = store::list(&state.db, client).await?.into_iter().map(Into::into).collect();
    Ok(web::Json(WebhookList { items }))
}

/// `POST /api/webhooks` `{"url","kinds":[..],"secret"?}`.
#[utoipa::path(post, path = "/api/webhooks", tag = "notifications", summary = "Create a webhook; the answer shows its secret once",
    params(("client_id" = Option<String>, Query, description = "admin token only (required)"), ("X-Request-ID" = Option<String>, Header, description = "retries with the same id return the same webhook")),
    request_body = WebhookBody,
    responses((status = 201, body = WebhookCreated),
        (status = 422, description = "invalid_webhook_url, webhook_url_unresolvable, unknown_notification_kind, invalid_webhook_secret, idempotency_key_reused", body = crate::error::ApiErrorBody),
        ApiErrors))]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    ClientScope(client): ClientScope,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b = parse_json::<WebhookBody>(&body)?;
    let url = WebhookUrl::parse(&b.url).map_err(refused)?;
    let kinds = WebhookKinds::parse(&b.kinds).map_err(refused)?;
    let secret = match b.secret.as_deref() {
        Some(s) => WebhookSecret::parse(s).map_err(refused)?.expose().to_owned(),
        None => generated_secret()?,
    };
    resolves(&url).await?;
    let key = request_id(&req);
    let hash: [u8; 32] = Sha256::digest(&body).into();
    let new = NewWebhook {
        tenant: client,
        url: url.as_str(),
        kinds: kinds.kinds().iter().map(|k| k.as_str().to_owned()).collect(),
        secret: &secret,
        request: (!key.is_empty()).then_some((key.as_str(), hash)),
    };
    match store::create(&state.db, new).await? {
        Created::Webhook(row, secret) => {
            Ok(HttpResponse::Created().json(WebhookCreated { webhook: row.into(), secret }))
        }
        Created::KeyReused => Err(ApiError::Unprocessable {
            code: "idempotency_key_reused",
            message: "X-Request-ID was already used with another body".into(),
        }),
    }
}

/// `DELETE /api/webhooks/{id}`: 204; its pending deliveries and log go with it.
#[utoipa::path(delete, path = "/api/webhooks/{id}", tag = "notifications", summary = "Delete a webhook",
    params(("id" = String, Path, description = "webhook id"), ("client_id" = Option<String>, Query, description = "admin token only (required)")),
    responses((status = 204, description = "deleted"), ApiErrors))]
pub async fn delete(
    state: web::Data<AppState>,
    ClientScope(client): ClientScope,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = path_id(&path, "id")?;
    if store::delete(&state.db, client, id).await? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound("webhook not found".into()))
    }
}

/// `GET /api/webhooks/{id}/deliveries?limit=&cursor=`: newest first.
#[utoipa::path(get, path = "/api/webhooks/{id}/deliveries", tag = "notifications", summary = "Delivery log of a webhook",
    params(("id" = String, Path, description = "webhook id"), ("limit" = Option<u32>, Query, description = "1-200, default 50"),
        ("cursor" = Option<String>, Query), ("client_id" = Option<String>, Query, description = "admin token only (required)")),
    responses((status = 200, body = DeliveryPage), ApiErrors))]
pub async fn deliveries(
    state: web::Data<AppState>,
    ClientScope(client): ClientScope,
    path: web::Path<String>,
    q: web::Query<PageParams>,
) -> Reply<DeliveryPage> {
    let id = path_id(&path, "id")?;
    let limit = limit(q.limit)?;
    let before = cursor(q.cursor.as_deref())?;
    if !store::exists(&state.db, client, id).await? {
        return Err(ApiError::NotFound("webhook not found".into()));
    }
    let rows = store::deliveries(&state.db, id, limit + 1, before).await?;
    let (items, next_cursor) = page::<_, DeliveryView>(rows, limit, |r| r.id);
    Ok(web::Json(DeliveryPage { items, next_cursor }))
}
