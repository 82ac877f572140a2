//! The life of a notice: `detected -> handling -> promoting -> resolved`,
//! or `handling -> failed` when the deadline passes. A failed notice can
//! still be resolved by a replica that becomes ready late (the group must
//! get its PRIMARY back); it keeps its missed-deadline flag.

use chrono::{DateTime, Utc};

/// Termination (2-minute notice) or rebalance recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Termination,
    Rebalance,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Termination => "termination",
            Self::Rebalance => "rebalance",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "termination" => Some(Self::Termination),
            "rebalance" => Some(Self::Rebalance),
            _ => None,
        }
    }
}

/// Where a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeStatus {
    Detected,
    /// A decision was taken; waiting for a replica (or only monitoring).
    Handling,
    /// One service replica claimed the promotion.
    Promoting,
    Resolved,
    Failed,
}

impl NoticeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Detected => "detected",
            Self::Handling => "handling",
            Self::Promoting => "promoting",
            Self::Resolved => "resolved",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "detected" => Some(Self::Detected),
            "handling" => Some(Self::Handling),
            "promoting" => Some(Self::Promoting),
            "resolved" => Some(Self::Resolved),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }

    /// Still waiting for something.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Detected | Self::Handling | Self::Promoting)
    }
}

/// A move the notice life does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notice cannot go from {from} to {to}")]
pub struct NoticeTransitionError {
    pub from: &'static str,
    pub to: &'static str,
}

/// Checks one move; staying put is allowed (a repeat is a no-op).
pub fn notice_transition(from: NoticeStatus, to: NoticeStatus) -> Result<(), NoticeTransitionError> {
    use NoticeStatus::*;
    let ok = from == to
        || matches!(
            (from, to),
            (Detected, Handling | Promoting | Resolved | Failed)
                | (Handling, Promoting | Resolved | Failed)
                | (Promoting, Resolved | Handling | Failed)
                | (Failed, Promoting)
        );
    if ok { Ok(()) } else { Err(NoticeTransitionError { from: from.as_str(), to: to.as_str() }) }
}

/// Timings of one notice, in milliseconds from the notice's arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Timeline {
    pub decision_ms: Option<i64>,
    pub replica_ready_ms: Option<i64>,
    pub promoted_ms: Option<i64>,
    /// Deadline minus promotion; negative when late.
    pub deadline_margin_ms: Option<i64>,
}

impl Timeline {
    /// From the recorded instants.
    pub fn from_instants(
        received: DateTime<Utc>,
        decided: Option<DateTime<Utc>>,
        replica_ready: Option<DateTime<Utc>>,
        promoted: Option<DateTime<Utc>>,
        deadline: Option<DateTime<Utc>>,
    ) -> Self {
        let ms = |t: Option<DateTime<Utc>>| t.map(|t| (t - received).num_milliseconds().max(0));
        Self {
            decision_ms: ms(decided),
            replica_ready_ms: ms(replica_ready),
            promoted_ms: ms(promoted),
            deadline_margin_ms: match (deadline, promoted) {
                (Some(d), Some(p)) => Some((d - p).num_milliseconds()),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::NoticeStatus::*;
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn allowed_and_refused_moves() {
        for (from, to) in [
            (Detected, Handling),
            (Handling, Promoting),
            (Promoting, Resolved),
            (Handling, Failed),
            (Failed, Promoting),
            (Promoting, Handling),
        ] {
            assert!(notice_transition(from, to).is_ok(), "{from:?} -> {to:?}");
        }
        for (from, to) in [
            (Resolved, Handling),
            (Resolved, Promoting),
            (Failed, Handling),
            (Handling, Detected),
            (Resolved, Failed),
        ] {
            assert!(notice_transition(from, to).is_err(), "{from:?} -> {to:?}");
        }
        assert!(notice_transition(Resolved, Resolved).is_ok());
        assert!(Handling.is_open() && !Resolved.is_open() && !Failed.is_open());
    }

    #[test]
    fn timeline_in_milliseconds_from_arrival() {
        let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let t = Timeline::from_instants(
            t0,
            Some(t0 + Duration::milliseconds(12)),
            Some(t0 + Duration::seconds(45)),
            Some(t0 + Duration::seconds(46)),
            Some(t0 + Duration::seconds(120)),
        );
        assert_eq!(t.decision_ms, Some(12));
        assert_eq!(t.replica_ready_ms, Some(45_000));
        assert_eq!(t.promoted_ms, Some(46_000));
        assert_eq!(t.deadline_margin_ms, Some(74_000));
        let late = Timeline::from_instants(
            t0,
            None,
            None,
            Some(t0 + Duration::seconds(130)),
            Some(t0 + Duration::seconds(120)),
        );
        assert_eq!(late.deadline_margin_ms, Some(-10_000));
    }
}
