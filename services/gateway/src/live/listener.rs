//! Feeds the hub from core NATS: one subscription per subject of
//! `mapping::subjects` (heartbeats and pricing reports are never read, so
//! the live stream costs nothing on the ingest path). Core NATS, not a
//! JetStream consumer: a live message must reach clients at once, and what
//! is published while the gateway is disconnected is simply not shown (a
//! client that reconnects with a `Last-Event-ID` from before still gets a
//! correct replay of what this process saw, or a reset).

use super::{Hub, mapping};
use futures::StreamExt;
use spot_platform::Shutdown;
use spot_platform::bus::Bus;
use std::sync::Arc;

/// Runs until shutdown.
pub async fn run(bus: Bus, hub: Arc<Hub>, shutdown: Shutdown) {
    let mut subscriptions = Vec::new();
    for subject in mapping::subjects() {
        match bus.client().subscribe(subject.clone()).await {
            Ok(s) => subscriptions.push(s),
            Err(e) => tracing::error!(%subject, error = %e, "live updates: cannot subscribe"),
        }
    }
    let mut messages = futures::stream::select_all(subscriptions);
    loop {
        let message = tokio::select! {
            _ = shutdown.wait() => break,
            m = messages.next() => m,
        };
        let Some(message) = message else { break };
        match mapping::from_bus(message.subject.as_str(), &message.payload, chrono::Utc::now()) {
            Some(event) => hub.publish(event),
            None => tracing::debug!(subject = %message.subject, "live updates: message not shown"),
        }
    }
}
