//! Connectivity status of an agent as lifecycle tracks it.

use chrono::{DateTime, Duration, Utc};

/// Whether we currently hear from an agent. A missed heartbeat makes an agent
/// OFFLINE, never TERMINATED (docs/STATE_MACHINE.md, invariant 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgentStatus {
    /// Heartbeats arrive.
    Online,
    /// Shut down, or silent for longer than the heartbeat timeout.
    Offline,
}

impl AgentStatus {
    /// Database and API spelling.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Online => "online",
            Self::Offline => "offline",
        }
    }

    /// Parses the database spelling.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "online" => Some(Self::Online),
            "offline" => Some(Self::Offline),
            _ => None,
        }
    }
}

/// True when an agent last heard from at `last_seen` has timed out at `now`.
pub fn is_timed_out(last_seen: Option<DateTime<Utc>>, now: DateTime<Utc>, timeout: Duration) -> bool {
    match last_seen {
        Some(seen) => now - seen > timeout,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips() {
        for s in [AgentStatus::Online, AgentStatus::Offline] {
            assert_eq!(AgentStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(AgentStatus::parse("terminated"), None);
    }

    #[test]
    fn timeout_is_strictly_after_the_window() {
        let now = Utc::now();
        let t = Duration::seconds(300);
        assert!(!is_timed_out(Some(now - Duration::seconds(300)), now, t));
        assert!(is_timed_out(Some(now - Duration::seconds(301)), now, t));
        assert!(!is_timed_out(None, now, t));
    }
}
