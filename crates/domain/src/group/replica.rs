//! Lifecycle of a standby replica from launch to promotion or termination.

/// Where a replica is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReplicaStatus {
    /// The instance is being launched.
    Launching,
    /// Copying state from the primary.
    Syncing,
    /// In sync and promotable.
    Ready,
    /// Became the primary.
    Promoted,
    /// Could not be brought up.
    Failed,
    /// Gone.
    Terminated,
}

/// A replica status change the lifecycle does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("replica cannot go from {from} to {to}")]
pub struct ReplicaTransitionError {
    /// Current status.
    pub from: ReplicaStatus,
    /// Requested status.
    pub to: ReplicaStatus,
}

impl ReplicaTransitionError {
    /// Stable machine-readable code for API errors.
    pub fn code(&self) -> &'static str {
        "invalid_transition"
    }
}

impl ReplicaStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [ReplicaStatus; 6] =
        [Self::Launching, Self::Syncing, Self::Ready, Self::Promoted, Self::Failed, Self::Terminated];

    /// Database and API spelling.
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Launching => "launching",
            Self::Syncing => "syncing",
            Self::Ready => "ready",
            Self::Promoted => "promoted",
            Self::Failed => "failed",
            Self::Terminated => "terminated",
        }
    }

    /// True once the replica is no longer a standby. A promoted replica can
    /// still be terminated later, but it never returns to standby duty.
    pub const fn is_terminal(&self) -> bool {
        matches!(self, Self::Promoted | Self::Failed | Self::Terminated)
    }
}

/// Checks a status change: `Ok(true)` when allowed, `Ok(false)` when it is a
/// repeat of the current status (agents resend), an error otherwise. Syncing
/// may be skipped for workloads with no state to copy.
pub fn replica_transition(from: ReplicaStatus, to: ReplicaStatus) -> Result<bool, ReplicaTransitionError> {
    use ReplicaStatus::*;
    if from == to {
        return Ok(false);
    }
    let allowed = matches!(
        (from, to),
        (Launching, Syncing | Ready | Failed | Terminated)
            | (Syncing, Ready | Failed | Terminated)
            | (Ready, Promoted | Failed | Terminated)
            | (Promoted, Terminated)
    );
    if allowed { Ok(true) } else { Err(ReplicaTransitionError { from, to }) }
}

spelled!(ReplicaStatus);

#[cfg(test)]
mod tests {
    use super::ReplicaStatus::*;
    use super::*;
    use crate::group::lifecycle_checks::{match_the_table, round_trips};

    const ALLOWED: [(ReplicaStatus, ReplicaStatus); 11] = [
        (Launching, Syncing),
        (Launching, Ready),
        (Launching, Failed),
        (Launching, Terminated),
        (Syncing, Ready),
        (Syncing, Failed),
        (Syncing, Terminated),
        (Ready, Promoted),
        (Ready, Failed),
        (Ready, Terminated),
        (Promoted, Terminated),
    ];

    #[test]
    fn every_pair_matches_the_table() {
        let error = |from, to| ReplicaTransitionError { from, to };
        match_the_table(&ReplicaStatus::ALL, &ALLOWED, replica_transition, error);
    }

    #[test]
    fn error_has_code_and_message() {
        let err = ReplicaTransitionError { from: Failed, to: Ready };
        assert_eq!(err.code(), "invalid_transition");
        assert_eq!(err.to_string(), "replica cannot go from failed to ready");
    }

    #[test]
    fn statuses_round_trip_and_terminals() {
        let spelled = ["launching", "syncing", "ready", "promoted", "failed", "terminated"];
        round_trips(&ReplicaStatus::ALL, &spelled, ReplicaStatus::as_str, ReplicaStatus::parse);
        assert_eq!(ReplicaStatus::parse("zombie"), None);
        let terminal: Vec<_> = ReplicaStatus::ALL.into_iter().filter(ReplicaStatus::is_terminal).collect();
        assert_eq!(terminal, vec![Promoted, Failed, Terminated]);
    }

    #[test]
    fn nothing_leaves_failed_or_terminated() {
        for from in [Failed, Terminated] {
            for to in ReplicaStatus::ALL.into_iter().filter(|to| *to != from) {
                assert!(replica_transition(from, to).is_err(), "{from} -> {to}");
            }
        }
    }
}
