//! The JSON body of a webhook delivery. Built once, when the delivery is
//! written; every attempt sends (and signs) the same bytes.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use spot_domain::notify::{NotificationKind, Severity};
use uuid::Uuid;

/// The notification as a webhook receives it (and as the API lists it).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NotificationBody {
    pub id: Uuid,
    pub kind: &'static str,
    pub severity: &'static str,
    pub title: String,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<Uuid>,
    pub created_at: String,
}

impl NotificationBody {
    /// From stored parts.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: Uuid,
        kind: NotificationKind,
        severity: Severity,
        title: String,
        body: String,
        group_id: Option<Uuid>,
        agent_id: Option<Uuid>,
        created_at: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            kind: kind.as_str(),
            severity: severity.as_str(),
            title,
            body,
            group_id,
            agent_id,
            created_at: created_at.to_rfc3339_opts(SecondsFormat::Millis, true),
        }
    }
}

#[derive(Serialize)]
struct Envelope<'a> {
    /// The delivery id (also `X-Spot-Delivery`): the receiver's dedupe key.
    delivery_id: Uuid,
    kind: &'static str,
    client_id: Uuid,
    notification: &'a NotificationBody,
}

/// The body: `{"delivery_id","kind","client_id","notification":{..}}`.
pub fn body(delivery_id: Uuid, client_id: Uuid, n: &NotificationBody) -> String {
    let envelope = Envelope { delivery_id, kind: n.kind, client_id, notification: n };
    // Serialising plain strings, uuids and options cannot fail.
    serde_json::to_string(&envelope).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_names_delivery_kind_and_notification() {
        let n = NotificationBody::new(
            Uuid::nil(),
            NotificationKind::AgentOffline,
            Severity::Warning,
            "Agent offline".into(),
            "b".into(),
            None,
            Some(Uuid::max()),
            DateTime::from_timestamp(0, 0).unwrap_or_default(),
        );
        let d = Uuid::now_v7();
        let v: serde_json::Value = serde_json::from_str(&body(d, Uuid::nil(), &n)).unwrap_or_default();
        assert_eq!(v["delivery_id"], d.to_string());
        assert_eq!(v["kind"], "agent_offline");
        assert_eq!(v["notification"]["severity"], "warning");
        assert_eq!(v["notification"]["created_at"], "1970-01-01T00:00:00.000Z");
        assert!(v["notification"].get("group_id").is_none());
        assert_eq!(v["notification"]["agent_id"], Uuid::max().to_string());
    }
}
