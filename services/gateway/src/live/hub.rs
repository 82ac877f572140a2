//! The fan-out: numbers each live message, keeps it in the replay buffer and
//! hands it to every connected client that may see it, with `try_send` on a
//! bounded per-client queue. Nothing here waits on a client: a client whose
//! queue is full is dropped (its stream ends after what is queued; it
//! reconnects with `Last-Event-ID` and resumes from the buffer), so one slow
//! reader never delays the others.

use super::buffer::{ReplayBuffer, Resume};
use super::{LiveEvent, LiveSettings, Scope, frame};
use bytes::Bytes;
use std::sync::Mutex;
use tokio::sync::mpsc;

struct Client {
    scope: Scope,
    tx: mpsc::Sender<Bytes>,
}

struct Inner {
    buffer: ReplayBuffer,
    clients: Vec<Client>,
}

/// Counters the gateway exports (`spot_gateway_sse_*`).
#[derive(Debug, Clone)]
pub struct HubMetrics {
    pub clients: prometheus::IntGauge,
    pub dropped: prometheus::IntCounter,
    pub events: prometheus::IntCounter,
}

impl HubMetrics {
    /// Registers the gauges and counters.
    pub fn register(registry: &prometheus::Registry) -> Result<Self, prometheus::Error> {
        let clients = prometheus::IntGauge::new("gateway_sse_clients", "connected live-update streams")?;
        let dropped = prometheus::IntCounter::new(
            "gateway_sse_dropped_total",
            "live-update streams dropped because their queue was full",
        )?;
        let events = prometheus::IntCounter::new("gateway_sse_events_total", "live messages fanned out")?;
        registry.register(Box::new(clients.clone()))?;
        registry.register(Box::new(dropped.clone()))?;
        registry.register(Box::new(events.clone()))?;
        Ok(Self { clients, dropped, events })
    }
}

/// Shared by the listener (publish) and the stream handler (subscribe).
pub struct Hub {
    inner: Mutex<Inner>,
    settings: LiveSettings,
    metrics: Option<HubMetrics>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// A new client's start: what to send first, then the live queue.
#[derive(Debug)]
pub struct Subscription {
    /// Frames to send before the queue (a replay, or the reset message).
    pub first: Vec<Bytes>,
    pub rx: mpsc::Receiver<Bytes>,
}

impl Hub {
    /// A hub whose ids start above `base` (see `buffer`).
    pub fn new(settings: LiveSettings, base: u64, metrics: Option<HubMetrics>) -> Self {
        Self {
            inner: Mutex::new(Inner {
                buffer: ReplayBuffer::new(settings.buffer, base),
                clients: Vec::new(),
            }),
            settings,
            metrics,
        }
    }

    /// The stream settings.
    pub fn settings(&self) -> LiveSettings {
        self.settings
    }

    /// Numbers, buffers and fans out one message.
    pub fn publish(&self, event: LiveEvent) {
        let Ok(mut inner) = self.inner.lock() else { return };
        let stamped = inner.buffer.push(event.client, |id| frame::message(id, event.kind, &event.data));
        let before = inner.clients.len();
        let mut dropped = 0;
        inner.clients.retain(|c| {
            if !c.scope.sees(stamped.client) {
                return !c.tx.is_closed();
            }
            match c.tx.try_send(stamped.frame.clone()) {
                Ok(()) => true,
                Err(mpsc::error::TrySendError::Full(_)) => {
                    dropped += 1;
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            }
        });
        let gone = before - inner.clients.len();
        drop(inner);
        if let Some(m) = &self.metrics {
            m.events.inc();
            m.dropped.inc_by(dropped);
            m.clients.sub(i64::try_from(gone).unwrap_or(0));
        }
    }

    /// Registers a client. `last_event_id` is the raw header (absent: a new
    /// stream; garbage or out of range: the reset message first).
    pub fn subscribe(&self, scope: Scope, last_event_id: Option<&str>) -> Subscription {
        let (tx, rx) = mpsc::channel(self.settings.client_queue);
        let mut first = vec![Bytes::from_static(frame::HELLO)];
        // Under the lock: the replay and the registration see the same
        // buffer, so no message is missed or sent twice.
        if let Ok(mut inner) = self.inner.lock() {
            if let Some(raw) = last_event_id {
                match inner.buffer.resume(frame::parse_last_event_id(raw), scope) {
                    Resume::Replay(items) => first.extend(items.iter().map(|s| s.frame.clone())),
                    Resume::Reset => first.push(frame::reset(inner.buffer.newest())),
                }
            }
            inner.clients.push(Client { scope, tx });
            if let Some(m) = &self.metrics {
                m.clients.inc();
            }
        }
        Subscription { first, rx }
    }

    /// Connected clients (for tests and the bench).
    pub fn client_count(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.clients.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spot_domain::ClientId;
    use std::time::Duration;

    fn hub(queue: usize) -> Hub {
        let settings = LiveSettings { buffer: 100, client_queue: queue, keep_alive: Duration::from_secs(15) };
        Hub::new(settings, 0, None)
    }

    fn ev(client: Option<ClientId>) -> LiveEvent {
        LiveEvent {
            kind: "agent.status_changed",
            client,
            data: serde_json::json!({"kind": "agent.status_changed"}),
        }
    }

    fn text(b: &Bytes) -> String {
        String::from_utf8_lossy(b).into_owned()
    }

    #[test]
    fn each_client_gets_its_tenants_messages() {
        let (a, b) = (ClientId::new_v7(), ClientId::new_v7());
        let h = hub(8);
        let mut sa = h.subscribe(Scope::Client(a), None);
        let mut all = h.subscribe(Scope::All, None);
        h.publish(ev(Some(a)));
        h.publish(ev(Some(b)));
        h.publish(ev(None));
        let got: Vec<String> = std::iter::from_fn(|| sa.rx.try_recv().ok()).map(|f| text(&f)).collect();
        assert_eq!(got.len(), 2);
        assert!(got[0].starts_with("id: 1\n") && got[1].starts_with("id: 3\n"));
        assert_eq!(std::iter::from_fn(|| all.rx.try_recv().ok()).count(), 3);
        assert_eq!(sa.first.len(), 1, "a new stream starts with the hello comment only");
    }

    #[test]
    fn a_full_client_is_dropped_and_the_others_keep_receiving() {
        let h = hub(2);
        let slow = h.subscribe(Scope::All, None);
        let mut fast = h.subscribe(Scope::All, None);
        for _ in 0..5 {
            h.publish(ev(None));
            while fast.rx.try_recv().is_ok() {}
        }
        assert_eq!(h.client_count(), 1, "the slow client was dropped");
        let mut slow_rx = slow.rx;
        assert_eq!(
            std::iter::from_fn(|| slow_rx.try_recv().ok()).count(),
            2,
            "what was queued is still sent"
        );
        h.publish(ev(None));
        assert!(fast.rx.try_recv().is_ok());
    }

    #[test]
    fn resume_replays_and_garbage_resets() {
        let h = hub(8);
        for _ in 0..3 {
            h.publish(ev(None));
        }
        let s = h.subscribe(Scope::All, Some("1"));
        let firsts: Vec<String> = s.first.iter().map(text).collect();
        assert_eq!(firsts.len(), 3);
        assert!(firsts[1].starts_with("id: 2\n") && firsts[2].starts_with("id: 3\n"));
        for garbage in ["banana", "99", ""] {
            let s = h.subscribe(Scope::All, Some(garbage));
            assert_eq!(s.first.len(), 2);
            assert_eq!(text(&s.first[1]), "id: 3\nevent: reset\ndata: {}\n\n");
        }
    }

    #[test]
    fn closed_clients_are_forgotten() {
        let h = hub(8);
        drop(h.subscribe(Scope::All, None));
        h.publish(ev(None));
        assert_eq!(h.client_count(), 0);
    }
}
