//! Folding a batch of heartbeats into one update per agent.
//!
//! A consumer applies heartbeats in batches with one multi-row upsert. Within a
//! batch the same agent may appear several times, and after a redelivery a
//! batch may hold heartbeats older than what is stored. The fold keeps, per
//! agent, the newest observation (by the time the gateway accepted it, ties
//! broken by stream order) and how many heartbeats it saw, so the database
//! update can be "newest wins" and counts add up exactly once per message.

use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::hash::Hash;

/// Status the agent claimed in its heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportedStatus {
    /// Running and active.
    Online,
    /// Running but passive (`enabled: false`).
    Disabled,
    /// The agent process is stopping.
    Offline,
}

impl ReportedStatus {
    /// Parses the v4 spelling.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "online" => Some(Self::Online),
            "disabled" => Some(Self::Disabled),
            "offline" => Some(Self::Offline),
            _ => None,
        }
    }

    /// The v4 spelling.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Disabled => "disabled",
            Self::Offline => "offline",
        }
    }

    /// Connectivity status this report implies.
    pub const fn agent_status(&self) -> super::AgentStatus {
        match self {
            Self::Online | Self::Disabled => super::AgentStatus::Online,
            Self::Offline => super::AgentStatus::Offline,
        }
    }
}

/// One heartbeat as the consumer sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct HeartbeatObservation<K, P> {
    /// Agent key.
    pub agent: K,
    /// When the gateway accepted it.
    pub received_at: DateTime<Utc>,
    /// Stream sequence, breaks ties between equal timestamps.
    pub sequence: u64,
    /// Reported status.
    pub status: ReportedStatus,
    /// The rest of the report (instance fields), kept from the newest.
    pub payload: P,
}

/// Newest observation of one agent and how many heartbeats were folded into it.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldedHeartbeat<K, P> {
    /// Newest observation.
    pub latest: HeartbeatObservation<K, P>,
    /// Number of heartbeats folded.
    pub count: u64,
}

/// Per-agent fold of a batch.
#[derive(Debug)]
pub struct HeartbeatFold<K, P> {
    by_agent: HashMap<K, FoldedHeartbeat<K, P>>,
}

impl<K: Eq + Hash + Clone, P> Default for HeartbeatFold<K, P> {
    fn default() -> Self {
        Self { by_agent: HashMap::new() }
    }
}

impl<K: Eq + Hash + Clone, P> HeartbeatFold<K, P> {
    /// Adds one heartbeat.
    pub fn push(&mut self, obs: HeartbeatObservation<K, P>) {
        match self.by_agent.get_mut(&obs.agent) {
            Some(folded) => {
                folded.count += 1;
                let newer =
                    (obs.received_at, obs.sequence) > (folded.latest.received_at, folded.latest.sequence);
                if newer {
                    folded.latest = obs;
                }
            }
            None => {
                self.by_agent.insert(obs.agent.clone(), FoldedHeartbeat { latest: obs, count: 1 });
            }
        }
    }

    /// Number of distinct agents.
    pub fn len(&self) -> usize {
        self.by_agent.len()
    }

    /// True when nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.by_agent.is_empty()
    }

    /// One entry per agent, in no particular order.
    pub fn into_folded(self) -> impl Iterator<Item = FoldedHeartbeat<K, P>> {
        self.by_agent.into_values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn obs(agent: u8, secs: i64, seq: u64, tag: &'static str) -> HeartbeatObservation<u8, &'static str> {
        let base = DateTime::<Utc>::UNIX_EPOCH;
        HeartbeatObservation {
            agent,
            received_at: base + Duration::seconds(secs),
            sequence: seq,
            status: ReportedStatus::Online,
            payload: tag,
        }
    }

    #[test]
    fn keeps_newest_per_agent_and_counts_all() {
        let mut fold = HeartbeatFold::default();
        fold.push(obs(1, 10, 1, "a"));
        fold.push(obs(1, 30, 3, "c"));
        fold.push(obs(1, 20, 2, "b")); // redelivered, older: counted, not kept
        fold.push(obs(2, 5, 4, "x"));
        let mut out: Vec<_> = fold.into_folded().collect();
        out.sort_by_key(|f| f.latest.agent);
        assert_eq!(out.len(), 2);
        assert_eq!((out[0].latest.payload, out[0].count), ("c", 3));
        assert_eq!((out[1].latest.payload, out[1].count), ("x", 1));
    }

    #[test]
    fn equal_timestamps_fall_back_to_stream_order() {
        let mut fold = HeartbeatFold::default();
        fold.push(obs(1, 10, 7, "later"));
        fold.push(obs(1, 10, 6, "earlier"));
        let out: Vec<_> = fold.into_folded().collect();
        assert_eq!(out[0].latest.payload, "later");
    }

    #[test]
    fn reported_status_maps_to_connectivity() {
        assert_eq!(
            ReportedStatus::parse("disabled").map(|s| s.agent_status()),
            Some(super::super::AgentStatus::Online)
        );
        assert_eq!(
            ReportedStatus::parse("offline").map(|s| s.agent_status()),
            Some(super::super::AgentStatus::Offline)
        );
        assert_eq!(ReportedStatus::parse("sleeping"), None);
    }
}
