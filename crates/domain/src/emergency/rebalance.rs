//! What a rebalance recommendation turns into, per group policy.
//!
//! - `monitor`: record it, do nothing else.
//! - `prespin`: launch a replica in the fastest-boot safe pool now, so a
//!   later termination notice finds a ready replica and promotes at once.
//! - `switch`: move the workload away from the pool.
//!
//! Default: `prespin` when the group's auto_switch is on, else `monitor`.

use crate::pricing::Recommendation;

/// Per-group policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebalancePolicy {
    Monitor,
    Prespin,
    Switch,
}

impl RebalancePolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Monitor => "monitor",
            Self::Prespin => "prespin",
            Self::Switch => "switch",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "monitor" => Some(Self::Monitor),
            "prespin" => Some(Self::Prespin),
            "switch" => Some(Self::Switch),
            _ => None,
        }
    }

    /// The policy of a group that never set one.
    pub fn default_for(auto_switch: bool) -> Self {
        if auto_switch { Self::Prespin } else { Self::Monitor }
    }
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RebalanceAction {
    Monitor,
    /// Launch a replica ahead of any termination notice.
    Prespin,
    /// Switch away from the pool.
    Switch,
}

impl RebalanceAction {
    /// The `action` answered to the agent (v4 knows only switch and monitor).
    pub fn v4_action(self) -> &'static str {
        match self {
            Self::Switch => "switch",
            Self::Monitor | Self::Prespin => "monitor",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Monitor => "monitor",
            Self::Prespin => "prespin",
            Self::Switch => "switch",
        }
    }
}

/// Decides, given the policy, the pool's risk and whether the group already
/// has a ready replica (then pre-spinning another one is pointless).
pub fn rebalance_action(policy: RebalancePolicy, has_ready_replica: bool) -> RebalanceAction {
    match policy {
        RebalancePolicy::Monitor => RebalanceAction::Monitor,
        RebalancePolicy::Prespin if has_ready_replica => RebalanceAction::Monitor,
        RebalancePolicy::Prespin => RebalanceAction::Prespin,
        RebalancePolicy::Switch => RebalanceAction::Switch,
    }
}

/// Risk of a pool pricing has not assessed: the interruption part of the
/// pricing score only (`0.40 * min(interruptions_30d / 8, 1)`), plus the
/// rebalance itself counted as one interruption signal.
pub fn fallback_risk_score(interruptions_30d: u32) -> (f64, Recommendation) {
    let score = crate::pricing::score(0.0, interruptions_30d.saturating_add(1), 0.0);
    (score, Recommendation::from_score(score))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn policy_decides_the_action() {
        assert_eq!(rebalance_action(RebalancePolicy::Monitor, false), RebalanceAction::Monitor);
        assert_eq!(rebalance_action(RebalancePolicy::Prespin, false), RebalanceAction::Prespin);
        assert_eq!(rebalance_action(RebalancePolicy::Prespin, true), RebalanceAction::Monitor);
        assert_eq!(rebalance_action(RebalancePolicy::Switch, true), RebalanceAction::Switch);
        assert_eq!(RebalancePolicy::default_for(true), RebalancePolicy::Prespin);
        assert_eq!(RebalancePolicy::default_for(false), RebalancePolicy::Monitor);
        assert_eq!(RebalanceAction::Prespin.v4_action(), "monitor");
        assert_eq!(RebalancePolicy::parse(" Switch "), Some(RebalancePolicy::Switch));
    }

    #[test]
    fn fallback_risk_grows_with_interruptions() {
        let (quiet, rec) = fallback_risk_score(0);
        assert!((quiet - 0.05).abs() < 1e-12);
        assert_eq!(rec, Recommendation::Safe);
        let (busy, rec) = fallback_risk_score(7);
        assert!((busy - 0.40).abs() < 1e-12);
        assert_eq!(rec, Recommendation::Caution);
    }
}
