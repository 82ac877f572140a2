//! The end-of-run accounting of the fault suite: what the agents were told
//! was accepted (2xx), counted from their own records, against what the
//! database holds once every consumer has caught up. A report accepted
//! and never applied is lost; one applied more often than it was sent is
//! doubled. Both must be 0 whatever the faults were.

use crate::sql::count;
use sea_orm::DatabaseConnection;
use spot_fleet_sim::agent::Endpoint;
use spot_fleet_sim::stats::StatsSnapshot;
use std::time::{Duration, Instant};

/// Sent, accepted and applied for one kind of report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub kind: &'static str,
    /// Calls made (answered or not).
    pub sent: u64,
    /// Calls answered 2xx.
    pub accepted: u64,
    /// Effects in the database.
    pub applied: u64,
    /// Effects the database holds twice for one report.
    pub duplicates: u64,
}

impl Entry {
    /// Accepted but not applied.
    pub fn lost(&self) -> u64 {
        self.accepted.saturating_sub(self.applied)
    }

    /// Applied more often than sent (each call may apply at most once).
    pub fn doubled(&self) -> u64 {
        self.applied.saturating_sub(self.sent) + self.duplicates
    }
}

/// (sent, accepted) of one endpoint in a fleet snapshot.
pub fn sent_accepted(stats: &StatsSnapshot, endpoint: Endpoint) -> (u64, u64) {
    stats
        .endpoints
        .iter()
        .find(|e| e.endpoint == endpoint.label())
        .map_or((0, 0), |e| (e.requests, e.requests.saturating_sub(e.errors)))
}

const HEARTBEATS: &str = "SELECT COALESCE(sum(heartbeat_count), 0)::bigint FROM lifecycle.agents";
const PRICING: &str = "SELECT (SELECT count(*) FROM pricing.instance_usage)
    + (SELECT COALESCE(sum(count), 0) FROM pricing.ignored_reports)::bigint";
const SWITCHES: &str = "SELECT count(*) FROM lifecycle.switches";
const NOTICES: &str =
    "SELECT count(DISTINCT (client_id, instance_id)) FROM emergency.notices WHERE kind = 'termination'";
const NOTICE_DUPLICATES: &str =
    "SELECT count(*) - count(DISTINCT (client_id, instance_id)) FROM emergency.notices
    WHERE kind = 'termination'";

/// Waits until the applied counts stop moving (every consumer caught up),
/// at most `limit`.
pub async fn settle(db: &DatabaseConnection, limit: Duration) -> anyhow::Result<()> {
    let start = Instant::now();
    let mut last = (-1, -1, -1);
    let mut steady_since = Instant::now();
    while start.elapsed() < limit {
        let now = (count(db, HEARTBEATS).await?, count(db, PRICING).await?, count(db, SWITCHES).await?);
        if now != last {
            last = now;
            steady_since = Instant::now();
        } else if steady_since.elapsed() >= Duration::from_secs(5) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(())
}

/// The ledger: heartbeats (the fleet's and the prober's), pricing reports,
/// switch reports and termination notices.
pub async fn read(
    db: &DatabaseConnection,
    fleet: &StatsSnapshot,
    probe_sent: u64,
    probe_ok: u64,
) -> anyhow::Result<Vec<Entry>> {
    let applied =
        |sql: &'static str| async move { count(db, sql).await.map(|n| u64::try_from(n).unwrap_or(0)) };
    let (hb_sent, hb_ok) = sent_accepted(fleet, Endpoint::Heartbeat);
    let (pr_sent, pr_ok) = sent_accepted(fleet, Endpoint::PricingReport);
    let (sw_sent, sw_ok) = sent_accepted(fleet, Endpoint::SwitchReport);
    Ok(vec![
        Entry {
            kind: "heartbeats",
            sent: hb_sent + probe_sent,
            accepted: hb_ok + probe_ok,
            applied: applied(HEARTBEATS).await?,
            duplicates: 0,
        },
        Entry {
            kind: "pricing_reports",
            sent: pr_sent,
            accepted: pr_ok,
            applied: applied(PRICING).await?,
            duplicates: 0,
        },
        Entry {
            kind: "switch_reports",
            sent: sw_sent,
            accepted: sw_ok,
            applied: applied(SWITCHES).await?,
            duplicates: 0,
        },
        // A v4 agent repeats its termination notice until its instance is
        // gone, so every noticed instance must have exactly one notice.
        Entry {
            kind: "noticed_instances",
            sent: fleet.interruptions_seen,
            accepted: fleet.interruptions_seen,
            applied: applied(NOTICES).await?,
            duplicates: applied(NOTICE_DUPLICATES).await?,
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_and_doubled_are_counted_against_accepted_and_sent() {
        let e = Entry { kind: "x", sent: 10, accepted: 8, applied: 7, duplicates: 0 };
        assert_eq!((e.lost(), e.doubled()), (1, 0));
        let e = Entry { kind: "x", sent: 10, accepted: 8, applied: 9, duplicates: 0 };
        assert_eq!((e.lost(), e.doubled()), (0, 0));
        let e = Entry { kind: "x", sent: 10, accepted: 10, applied: 12, duplicates: 1 };
        assert_eq!((e.lost(), e.doubled()), (0, 3));
    }
}
