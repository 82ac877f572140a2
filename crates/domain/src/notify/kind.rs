//! What a tenant is told about, and how loudly.

/// The kinds of notification (each derived from one bus event, see
/// docs/NOTIFICATIONS.md for which).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NotificationKind {
    /// A two-minute Spot termination notice arrived for an instance.
    TerminationNotice,
    /// A termination notice was handled: the group has a healthy PRIMARY again.
    FailoverDone,
    /// A notice could not be handled (the fallback chain is exhausted).
    FailoverFailed,
    /// A notice's placement step missed its deadline (a fallback step follows).
    DeadlineMissed,
    /// An emergency moved a group to on-demand capacity.
    FellBackToOnDemand,
    /// An automatic (decision) switch ran on the agent.
    AutoSwitchExecuted,
    /// An agent stopped heartbeating (or shut down).
    AgentOffline,
    /// A price consolidation run failed (prices and savings may be stale).
    ConsolidationFailed,
}

/// A kind name that is not one of [`NotificationKind::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown notification kind {0:?}")]
pub struct UnknownKind(pub String);

impl NotificationKind {
    /// Every kind, in documentation order.
    pub const ALL: [Self; 8] = [
        Self::TerminationNotice,
        Self::FailoverDone,
        Self::FailoverFailed,
        Self::DeadlineMissed,
        Self::FellBackToOnDemand,
        Self::AutoSwitchExecuted,
        Self::AgentOffline,
        Self::ConsolidationFailed,
    ];

    /// The stored and wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TerminationNotice => "termination_notice",
            Self::FailoverDone => "failover_done",
            Self::FailoverFailed => "failover_failed",
            Self::DeadlineMissed => "deadline_missed",
            Self::FellBackToOnDemand => "fell_back_to_on_demand",
            Self::AutoSwitchExecuted => "auto_switch_executed",
            Self::AgentOffline => "agent_offline",
            Self::ConsolidationFailed => "consolidation_failed",
        }
    }

    /// Parses the spelling of [`NotificationKind::as_str`].
    pub fn parse(raw: &str) -> Result<Self, UnknownKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw).ok_or_else(|| UnknownKind(raw.to_owned()))
    }
}

/// How urgent a notification is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    /// The stored and wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }

    /// Parses the spelling of [`Severity::as_str`].
    pub fn parse(raw: &str) -> Result<Self, UnknownKind> {
        [Self::Info, Self::Warning, Self::Critical]
            .into_iter()
            .find(|s| s.as_str() == raw)
            .ok_or_else(|| UnknownKind(raw.to_owned()))
    }
}

display_as_str!(NotificationKind, Severity);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_and_names_are_unique() {
        let mut names: Vec<&str> = NotificationKind::ALL.iter().map(|k| k.as_str()).collect();
        for k in NotificationKind::ALL {
            assert_eq!(NotificationKind::parse(k.as_str()), Ok(k));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), NotificationKind::ALL.len());
        assert!(NotificationKind::parse("Termination_Notice").is_err());
        assert!(NotificationKind::parse("").is_err());
    }

    #[test]
    fn severities_round_trip() {
        for s in [Severity::Info, Severity::Warning, Severity::Critical] {
            assert_eq!(Severity::parse(s.as_str()), Ok(s));
        }
        assert!(Severity::parse("fatal").is_err());
    }
}
