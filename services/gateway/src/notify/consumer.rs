//! The durable consumers that turn bus events into notifications. One batch
//! is one transaction: inbox rows, notifications and their webhook
//! deliveries commit together, so a redelivered event changes nothing and an
//! accepted one always reaches its webhooks. After the commit each new
//! notification goes to the live stream (core NATS, every gateway) and the
//! webhook worker is woken.

use super::{mapping, store};
use crate::live::mapping::NOTIFICATION_SUBJECT;
use crate::webhooks::payload::{self, NotificationBody};
use crate::webhooks::store as webhooks;
use sea_orm::{DatabaseConnection, TransactionTrait};
use spot_contracts::{Event, subjects, v1};
use spot_platform::bus::{BatchHandler, Bus, Delivery, HandlerError, Subscription};
use std::sync::Arc;
use tokio::sync::Notify;
use uuid::Uuid;

/// The streams and events notifications come from (one durable each).
pub fn subscriptions() -> [Subscription; 4] {
    [
        Subscription::new(&subjects::LIFECYCLE, "gateway-notify-lifecycle", v1::AgentStatusChanged::filter()),
        Subscription::all(&subjects::EMERGENCY, "gateway-notify-emergency"),
        Subscription::new(&subjects::PRICING, "gateway-notify-pricing", v1::ConsolidationFinished::filter()),
        Subscription::new(&subjects::DECISIONS, "gateway-notify-decisions", v1::DecisionExecuted::filter()),
    ]
}

/// Applies one consumer's batches.
#[derive(Debug, Clone)]
pub struct Notifier {
    pub durable: &'static str,
    pub db: DatabaseConnection,
    pub bus: Bus,
    /// Wakes the webhook worker.
    pub wake: Arc<Notify>,
}

impl BatchHandler for Notifier {
    async fn handle(&self, batch: &[Delivery]) -> Result<(), HandlerError> {
        let now = chrono::Utc::now();
        let txn = self.db.begin().await.map_err(HandlerError::from_display)?;
        let ids: Vec<String> = batch.iter().map(|d| d.event_id.clone()).collect();
        let fresh = spot_platform::store::claim_new(&txn, crate::SCHEMA, self.durable, &ids)
            .await
            .map_err(HandlerError::from_display)?;
        let mut created = Vec::new();
        for d in batch.iter().filter(|d| fresh.contains(&d.event_id)) {
            let draft = mapping::from_bus(&d.subject, &d.payload, now)
                .map_err(|e| HandlerError(format!("undecodable {} {}: {e}", d.subject, d.event_id)))?;
            let Some(draft) = draft else { continue };
            let tenants = match draft.client {
                Some(c) => vec![c.as_uuid()],
                None => store::active_tenants(&txn).await.map_err(HandlerError::from_display)?,
            };
            for tenant in tenants {
                let Some(row) = store::insert(&txn, tenant, &draft, &d.event_id)
                    .await
                    .map_err(HandlerError::from_display)?
                else {
                    continue;
                };
                let body = NotificationBody::new(
                    row.id,
                    row.kind,
                    row.severity,
                    row.title.clone(),
                    row.body.clone(),
                    row.group_id,
                    row.agent_id,
                    row.created_at,
                );
                for webhook in
                    webhooks::subscribed(&txn, tenant, row.kind).await.map_err(HandlerError::from_display)?
                {
                    let id = Uuid::now_v7();
                    let payload = payload::body(id, tenant, &body);
                    webhooks::enqueue(&txn, id, webhook, tenant, row.id, row.kind, &payload)
                        .await
                        .map_err(HandlerError::from_display)?;
                }
                created.push(row);
            }
        }
        txn.commit().await.map_err(HandlerError::from_display)?;
        if !created.is_empty() {
            self.wake.notify_one();
        }
        for row in created {
            self.announce(&row).await;
        }
        Ok(())
    }
}

impl Notifier {
    /// Tells every gateway's live stream (best effort: a lost message only
    /// delays what the dashboard shows until its next reload).
    async fn announce(&self, row: &store::NotificationRow) {
        let data = serde_json::json!({
            "kind": "notification.created",
            "client_id": row.tenant_id.to_string(),
            "at": row.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "notification_id": row.id.to_string(),
            "notification_kind": row.kind.as_str(),
            "severity": row.severity.as_str(),
            "title": row.title,
        });
        let subject = format!("{NOTIFICATION_SUBJECT}.{}", row.tenant_id);
        if let Err(e) = self.bus.client().publish(subject, data.to_string().into()).await {
            tracing::debug!(error = %e, "live notification not published");
        }
    }
}
