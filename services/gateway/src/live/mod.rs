//! Live updates: `GET /api/events/stream` (Server-Sent Events). The bus
//! events a dashboard cares about are turned into small JSON messages
//! (`mapping`), numbered and kept in a bounded replay buffer for
//! `Last-Event-ID` resume (`buffer`), framed once (`frame`) and fanned out
//! to every connected client of the right tenant (`hub`) without ever
//! waiting on one: a client whose queue is full is dropped. The listener
//! (`listener`) reads core NATS, so the way from the bus to a client is one
//! hop. docs/EVENTS.md, "Live updates", is the contract.

pub mod buffer;
pub mod frame;
pub mod hub;
pub mod listener;
pub mod mapping;
pub mod stream;

pub use hub::Hub;

use spot_domain::ClientId;
use std::time::Duration;

/// Tuning of the live stream (gateway settings `SPOT_SSE_*`).
#[derive(Debug, Clone, Copy)]
pub struct LiveSettings {
    /// Events kept for resume.
    pub buffer: usize,
    /// Events queued per client before it is dropped as too slow.
    pub client_queue: usize,
    /// Idle time between keep-alive comments.
    pub keep_alive: Duration,
}

/// One live message before it is numbered: its kind, whose it is (`None`:
/// every tenant's, e.g. a price consolidation) and its JSON data (which
/// already holds `kind`, `client_id` and `at`).
#[derive(Debug, Clone, PartialEq)]
pub struct LiveEvent {
    pub kind: &'static str,
    pub client: Option<ClientId>,
    pub data: serde_json::Value,
}

/// Whose events a stream receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The admin token without a filter: every tenant's.
    All,
    /// One tenant's (a tenant token, or the admin token with `?client_id=`).
    Client(ClientId),
}

impl Scope {
    /// Whether an event of `client` (`None`: every tenant's) reaches this stream.
    pub fn sees(self, client: Option<ClientId>) -> bool {
        match (self, client) {
            (Self::All, _) | (Self::Client(_), None) => true,
            (Self::Client(mine), Some(theirs)) => mine == theirs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_sees_its_own_and_platform_events_only() {
        let (a, b) = (ClientId::new_v7(), ClientId::new_v7());
        assert!(Scope::Client(a).sees(Some(a)));
        assert!(!Scope::Client(a).sees(Some(b)));
        assert!(Scope::Client(a).sees(None));
        assert!(Scope::All.sees(Some(b)) && Scope::All.sees(None));
    }
}
