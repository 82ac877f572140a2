//! Wire types of the notifications, webhooks and live-stream API
//! (docs/NOTIFICATIONS.md, /work/coord contract "Notifications").

use crate::error::ApiError;
use crate::notify::store::NotificationRow;
use crate::webhooks::store::{DeliveryRow, WebhookRow};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

fn iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Largest page.
pub const MAX_LIMIT: u32 = 200;
/// Default page.
pub const DEFAULT_LIMIT: u32 = 50;

/// `limit` within 1..=200 (default 50), 400 naming the field otherwise.
pub fn limit(raw: Option<u32>) -> Result<u64, ApiError> {
    match raw.unwrap_or(DEFAULT_LIMIT) {
        n @ 1..=MAX_LIMIT => Ok(u64::from(n)),
        _ => Err(ApiError::InvalidField(format!("limit must be between 1 and {MAX_LIMIT}"))),
    }
}

/// A cursor this API gave out (the last id of the previous page).
pub fn cursor(raw: Option<&str>) -> Result<Option<Uuid>, ApiError> {
    raw.filter(|c| !c.is_empty())
        .map(|c| {
            Uuid::parse_str(c)
                .map_err(|_| ApiError::InvalidField("cursor is not one this API gave out".into()))
        })
        .transpose()
}

/// An id in the path, 400 naming it when it is not a UUID.
pub fn path_id(raw: &str, field: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw.trim())
        .map_err(|_| ApiError::InvalidField(format!("{field} in the path is not a valid UUID")))
}

/// Query of `GET /api/notifications`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationParams {
    /// only unread ones
    pub unread: Option<bool>,
    /// 1-200, default 50
    pub limit: Option<u32>,
    /// next_cursor of the previous page
    pub cursor: Option<String>,
    /// admin token only (required)
    pub client_id: Option<String>,
}

/// The `?client_id=` of the other notification calls, documented once.
#[derive(Debug, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationScope {
    /// admin token only (required)
    pub client_id: Option<String>,
}

/// One notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationView {
    #[schema(value_type = String)]
    pub id: Uuid,
    /// termination_notice | failover_done | failover_failed | deadline_missed |
    /// fell_back_to_on_demand | auto_switch_executed | agent_offline | consolidation_failed
    pub kind: String,
    /// info | warning | critical
    pub severity: String,
    pub title: String,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub group_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub agent_id: Option<Uuid>,
    pub created_at: String,
    pub read_at: Option<String>,
}

impl From<NotificationRow> for NotificationView {
    fn from(r: NotificationRow) -> Self {
        Self {
            id: r.id,
            kind: r.kind.as_str().to_owned(),
            severity: r.severity.as_str().to_owned(),
            title: r.title,
            body: r.body,
            group_id: r.group_id,
            agent_id: r.agent_id,
            created_at: iso(r.created_at),
            read_at: r.read_at.map(iso),
        }
    }
}

/// A page of notifications, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationPage {
    pub items: Vec<NotificationView>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// `{"unread": n}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

/// `{"marked": n}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Marked {
    pub marked: u64,
}

/// Body of `POST /api/webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WebhookBody {
    /// http:// or https:// URL that resolves.
    pub url: String,
    /// Notification kinds to deliver (at least one).
    pub kinds: Vec<String>,
    /// Signing secret, 16-200 characters; generated when left out. Shown once.
    pub secret: Option<String>,
}

/// A webhook (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    #[schema(value_type = String)]
    pub id: Uuid,
    pub url: String,
    pub kinds: Vec<String>,
    pub created_at: String,
}

impl From<WebhookRow> for WebhookView {
    fn from(r: WebhookRow) -> Self {
        Self { id: r.id, url: r.url, kinds: r.kinds, created_at: iso(r.created_at) }
    }
}

/// A webhook just created, with its secret (the only time it is shown).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookCreated {
    #[serde(flatten)]
    pub webhook: WebhookView,
    pub secret: String,
}

/// `{"items": [...]}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookView>,
}

/// Query of the delivery log.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct PageParams {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
    /// Admin token only.
    pub client_id: Option<String>,
}

/// One delivery of a webhook.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Also the `X-Spot-Delivery` header.
    #[schema(value_type = String)]
    pub id: Uuid,
    #[schema(value_type = String)]
    pub notification_id: Uuid,
    pub kind: String,
    /// pending | delivered | dead
    pub status: String,
    pub attempts: i32,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<String>,
    pub last_attempt_at: Option<String>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: String,
    pub delivered_at: Option<String>,
}

impl From<DeliveryRow> for DeliveryView {
    fn from(r: DeliveryRow) -> Self {
        let pending = r.status == spot_domain::notify::DeliveryStatus::Pending;
        Self {
            id: r.id,
            notification_id: r.notification_id,
            kind: r.kind.as_str().to_owned(),
            status: r.status.as_str().to_owned(),
            attempts: r.attempts,
            next_attempt_at: pending.then(|| iso(r.next_attempt_at)),
            last_attempt_at: r.last_attempt_at.map(iso),
            last_status_code: r.last_status_code,
            last_error: r.last_error,
            created_at: iso(r.created_at),
            delivered_at: r.delivered_at.map(iso),
        }
    }
}

/// A page of deliveries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryView>,
    pub next_cursor: Option<String>,
}

/// Splits one extra row off a `limit + 1` read: the page and its cursor.
pub fn page<T, V: From<T>>(
    mut rows: Vec<T>,
    limit: u64,
    id: impl Fn(&T) -> Uuid,
) -> (Vec<V>, Option<String>) {
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next = if more { rows.last().map(|r| id(r).to_string()) } else { None };
    (rows.into_iter().map(V::from).collect(), next)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors() {
        assert_eq!(limit(None).ok(), Some(50));
        assert_eq!(limit(Some(200)).ok(), Some(200));
        assert!(limit(Some(0)).is_err() && limit(Some(201)).is_err());
        assert!(cursor(Some("nope")).is_err());
        assert_eq!(cursor(Some("")).ok(), Some(None));
        assert!(path_id("x", "id").is_err_and(|e| e.to_string().contains("id in the path")));
    }

    #[test]
    fn a_page_has_a_cursor_only_when_more_rows_exist() {
        let ids: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
        let (items, next): (Vec<Uuid>, _) = page(ids.clone(), 2, |u| *u);
        assert_eq!(items.len(), 2);
        assert_eq!(next, Some(ids[1].to_string()));
        let (items, next): (Vec<Uuid>, _) = page(ids, 3, |u| *u);
        assert_eq!((items.len(), next), (3, None));
    }
}
