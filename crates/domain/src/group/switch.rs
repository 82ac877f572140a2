//! Timings of one switch, as the agent reports them, and the durations we
//! derive from them for metrics and the switch history.

use chrono::{DateTime, Utc};

/// Milestones of a switch; each is None when the agent did not report it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SwitchTiming {
    /// The switch was decided.
    pub switch_initiated_at: Option<DateTime<Utc>>,
    /// Volume snapshot done.
    pub snapshot_created_at: Option<DateTime<Utc>>,
    /// Image built from the snapshot.
    pub ami_created_at: Option<DateTime<Utc>>,
    /// New instance launched.
    pub new_instance_launched_at: Option<DateTime<Utc>>,
    /// New instance able to serve.
    pub new_instance_ready_at: Option<DateTime<Utc>>,
    /// Traffic moved to the new instance.
    pub traffic_switched_at: Option<DateTime<Utc>>,
    /// Old instance terminated.
    pub old_instance_terminated_at: Option<DateTime<Utc>>,
}

fn seconds(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).as_seconds_f64()
}

impl SwitchTiming {
    /// Downtime: the cut-over window in which the service is not fully
    /// served, from the new instance being ready until traffic reaches it
    /// (`traffic_switched_at - new_instance_ready_at`, never negative). If the
    /// old instance was terminated before traffic was switched, nothing served
    /// from the termination on, so the outage is
    /// `traffic_switched_at - old_instance_terminated_at` when that is larger.
    ///
    /// None without `traffic_switched_at` or `new_instance_ready_at`.
    pub fn downtime_seconds(&self) -> Option<f64> {
        let switched = self.traffic_switched_at?;
        let ready = self.new_instance_ready_at?;
        let cut_over = seconds(ready, switched).max(0.0);
        let outage = self
            .old_instance_terminated_at
            .filter(|terminated| *terminated < switched)
            .map_or(0.0, |terminated| seconds(terminated, switched));
        Some(cut_over.max(outage))
    }

    /// Total duration: from `switch_initiated_at` to the latest milestone
    /// reported, whichever it is (agents skip steps, e.g. no AMI for a warm
    /// replica). None without `switch_initiated_at`.
    pub fn total_seconds(&self) -> Option<f64> {
        let start = self.switch_initiated_at?;
        let latest = [
            self.snapshot_created_at,
            self.ami_created_at,
            self.new_instance_launched_at,
            self.new_instance_ready_at,
            self.traffic_switched_at,
            self.old_instance_terminated_at,
        ]
        .into_iter()
        .flatten()
        .fold(start, DateTime::max);
        Some(seconds(start, latest))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn at(raw: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(raw).unwrap().with_timezone(&Utc))
    }

    fn close(got: Option<f64>, want: f64) -> bool {
        got.is_some_and(|g| (g - want).abs() < 1e-9)
    }

    /// Captured from a real switch.
    fn captured() -> SwitchTiming {
        SwitchTiming {
            switch_initiated_at: at("2026-11-22T10:33:29.708507Z"),
            new_instance_launched_at: at("2026-11-22T10:33:29.737400Z"),
            new_instance_ready_at: at("2026-11-22T10:33:29.766667Z"),
            traffic_switched_at: at("2026-11-22T10:33:31.777469Z"),
            old_instance_terminated_at: at("2026-11-22T10:33:32.820979Z"),
            ..SwitchTiming::default()
        }
    }

    #[test]
    fn captured_switch() {
        let t = captured();
        assert!(close(t.downtime_seconds(), 2.010802), "{:?}", t.downtime_seconds());
        assert!(close(t.total_seconds(), 3.112472), "{:?}", t.total_seconds());
    }

    #[test]
    fn downtime_needs_ready_and_switched() {
        let t = SwitchTiming { new_instance_ready_at: None, ..captured() };
        assert_eq!(t.downtime_seconds(), None);
        let t = SwitchTiming { traffic_switched_at: None, ..captured() };
        assert_eq!(t.downtime_seconds(), None);
        assert_eq!(SwitchTiming::default().downtime_seconds(), None);
    }

    #[test]
    fn downtime_never_negative() {
        let t = captured();
        let early = SwitchTiming {
            traffic_switched_at: t.new_instance_ready_at.map(|r| r - Duration::seconds(1)),
            ..t
        };
        assert_eq!(early.downtime_seconds(), Some(0.0));
    }

    #[test]
    fn early_termination_counts_as_outage() {
        let t = captured();
        let switched = t.traffic_switched_at.unwrap();
        let killed_first =
            SwitchTiming { old_instance_terminated_at: Some(switched - Duration::seconds(5)), ..t.clone() };
        assert!(close(killed_first.downtime_seconds(), 5.0));
        // Terminated before switch but after ready: the cut-over window is longer.
        let late_kill =
            SwitchTiming { old_instance_terminated_at: Some(switched - Duration::milliseconds(500)), ..t };
        assert!(close(late_kill.downtime_seconds(), 2.010802));
    }

    #[test]
    fn total_uses_latest_present_milestone() {
        assert_eq!(SwitchTiming::default().total_seconds(), None);
        let t = SwitchTiming { switch_initiated_at: None, ..captured() };
        assert_eq!(t.total_seconds(), None);
        let start_only =
            SwitchTiming { switch_initiated_at: at("2026-11-22T10:00:00Z"), ..SwitchTiming::default() };
        assert_eq!(start_only.total_seconds(), Some(0.0));
        let with_ami = SwitchTiming { ami_created_at: at("2026-11-22T10:40:00Z"), ..captured() };
        assert!(close(with_ami.total_seconds(), 390.291493));
        let no_term = SwitchTiming { old_instance_terminated_at: None, ..captured() };
        assert!(close(no_term.total_seconds(), 2.068962));
    }
}
