//! In-app notifications (docs/NOTIFICATIONS.md): list (paged, newest first,
//! optionally unread only), unread count, mark one read, mark all read.
//! A tenant token sees its own; the admin token names the tenant with
//! `?client_id=`. Another tenant's notification is not found (404).

use crate::error::ApiError;
use crate::http::{ApiErrors, ClientScope, Reply};
use crate::notify::store;
use crate::state::AppState;
use crate::wire::notifications::{
    Marked, NotificationPage, NotificationParams, NotificationScope, NotificationView, UnreadCount, cursor,
    limit, page, path_id,
};
use actix_web::web;

/// `GET /api/notifications?unread=&limit=&cursor=`.
#[utoipa::path(get, path = "/api/notifications", tag = "notifications", summary = "Notifications, newest first",
    params(NotificationParams),
    responses((status = 200, body = NotificationPage), ApiErrors))]
pub async fn list(
    state: web::Data<AppState>,
    ClientScope(client): ClientScope,
    q: web::Query<NotificationParams>,
) -> Reply<NotificationPage> {
    let limit = limit(q.limit)?;
    let before = cursor(q.cursor.as_deref())?;
    let rows = store::list(&state.db, client, q.unread.unwrap_or(false), limit + 1, before).await?;
    let (items, next_cursor) = page::<_, NotificationView>(rows, limit, |r| r.id);
    Ok(web::Json(NotificationPage { items, next_cursor }))
}

/// `GET /api/notifications/unread-count`.
#[utoipa::path(get, path = "/api/notifications/unread-count", tag = "notifications", summary = "Unread notifications",
    params(NotificationScope),
    responses((status = 200, body = UnreadCount), ApiErrors))]
pub async fn unread_count(
    state: web::Data<AppState>,
    ClientScope(client): ClientScope,
) -> Reply<UnreadCount> {
    Ok(web::Json(UnreadCount { unread: store::unread_count(&state.db, client).await? }))
}

/// `POST /api/notifications/{id}/read`: the notification, read (idempotent).
#[utoipa::path(post, path = "/api/notifications/{id}/read", tag = "notifications", summary = "Mark one notification read",
    params(("id" = String, Path, description = "notification id"), NotificationScope),
    responses((status = 200, body = NotificationView), ApiErrors))]
pub async fn read(
    state: web::Data<AppState>,
    ClientScope(client): ClientScope,
    path: web::Path<String>,
) -> Reply<NotificationView> {
    let id = path_id(&path, "id")?;
    let row = store::mark_read(&state.db, client, id)
        .await?
        .ok_or_else(|| ApiError::NotFound("notification not found".into()))?;
    Ok(web::Json(row.into()))
}

/// `POST /api/notifications/read-all`: `{"marked": n}`.
#[utoipa::path(post, path = "/api/notifications/read-all", tag = "notifications", summary = "Mark every notification read",
    params(NotificationScope),
    responses((status = 200, body = Marked), ApiErrors))]
pub async fn read_all(state: web::Data<AppState>, ClientScope(client): ClientScope) -> Reply<Marked> {
    Ok(web::Json(Marked { marked: store::mark_all_read(&state.db, client).await? }))
}
