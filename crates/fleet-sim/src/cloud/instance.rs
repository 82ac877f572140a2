//! Simulated instances: how they are launched, their state, and what their
//! metadata service (IMDS) shows the agent running on them.

use super::pool::PoolId;
use crate::clock::SimTime;
use crate::rng::mix;

/// Spot or on-demand; spelled as the agent protocol spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Market {
    /// A spot instance (can be interrupted).
    Spot,
    /// An on-demand instance (never interrupted).
    OnDemand,
}

impl Market {
    /// `"spot"` or `"ondemand"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Market::Spot => "spot",
            Market::OnDemand => "ondemand",
        }
    }

    /// Parses the protocol spelling (`on-demand` accepted too).
    pub fn parse(raw: &str) -> Option<Self> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "spot" => Some(Market::Spot),
            "ondemand" | "on-demand" | "on_demand" => Some(Market::OnDemand),
            _ => None,
        }
    }
}

/// Lifecycle of an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceState {
    /// Booting: launched, not ready yet.
    Pending,
    /// Ready (booted).
    Running,
    /// Gone.
    Terminated,
}

/// Why an instance ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TerminationReason {
    /// Someone (an agent) terminated it.
    Requested,
    /// The cloud reclaimed it (spot interruption or mass event).
    Interrupted,
}

/// The identity of a launch, from which the instance id and its fate are
/// derived. Keys form a tree: an instance launched by the agent on another
/// instance gets `parent.child(n)`, so ids do not depend on which task ran
/// first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LaunchKey(pub u64);

impl LaunchKey {
    /// The key of the pre-existing instance of fleet group `group`.
    pub fn root(group: u64) -> Self {
        LaunchKey(mix(&[0x726F_6F74, group]))
    }

    /// The `seq`-th launch made from this instance.
    pub fn child(self, seq: u64) -> Self {
        LaunchKey(mix(&[self.0, seq.wrapping_add(1)]))
    }
}

/// What to launch.
#[derive(Debug, Clone, PartialEq)]
pub struct LaunchRequest {
    /// Unique key of this launch (see [`LaunchKey`]).
    pub key: LaunchKey,
    /// Instance type.
    pub instance_type: String,
    /// Target AZ.
    pub az: String,
    /// Spot or on-demand.
    pub market: Market,
    /// Image; a fresh one is made up when `None`.
    pub ami_id: Option<String>,
}

impl LaunchRequest {
    /// The pool this launch goes into.
    pub fn pool(&self) -> PoolId {
        PoolId::new(&self.instance_type, &self.az)
    }
}

/// A simulated instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// `i-` and 17 hex digits.
    pub id: String,
    /// The launch key it came from.
    pub key: LaunchKey,
    /// Instance type.
    pub instance_type: String,
    /// AZ.
    pub az: String,
    /// Spot or on-demand.
    pub market: Market,
    /// Image id.
    pub ami_id: String,
    /// `10.x.y.z`.
    pub private_ip: String,
    /// Public address, if any.
    pub public_ip: Option<String>,
    /// When it was launched.
    pub launched_at: SimTime,
    /// When it is (or was) ready.
    pub ready_at: SimTime,
    /// Current state.
    pub state: InstanceState,
    /// Rebalance recommendation, once issued.
    pub rebalance_at: Option<SimTime>,
    /// Termination notice: when it was issued and the deadline it announces.
    pub notice: Option<(SimTime, SimTime)>,
    /// When it was terminated, and why.
    pub terminated: Option<(SimTime, TerminationReason)>,
}

impl Instance {
    /// The pool id; `None` for on-demand (the protocol sends `null` there).
    pub fn spot_pool(&self) -> Option<PoolId> {
        (self.market == Market::Spot).then(|| PoolId::new(&self.instance_type, &self.az))
    }

    /// True while it is pending or running.
    pub fn is_alive(&self) -> bool {
        self.state != InstanceState::Terminated
    }

    /// What the instance metadata service shows.
    pub fn metadata(&self) -> Metadata {
        Metadata {
            state: self.state,
            rebalance_at: self.rebalance_at,
            termination_time: self.notice.map(|(_, deadline)| deadline),
        }
    }
}

/// The instance metadata an agent polls (`spot/instance-action`,
/// `events/recommendations/rebalance`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Metadata {
    /// Instance state.
    pub state: InstanceState,
    /// Set once a rebalance recommendation was issued.
    pub rebalance_at: Option<SimTime>,
    /// The announced termination time once a notice was issued.
    pub termination_time: Option<SimTime>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn market_spelling() {
        assert_eq!(Market::parse("ondemand"), Some(Market::OnDemand));
        assert_eq!(Market::parse("on-demand"), Some(Market::OnDemand));
        assert_eq!(Market::parse("SPOT"), Some(Market::Spot));
        assert_eq!(Market::parse("reserved"), None);
        assert_eq!(Market::OnDemand.as_str(), "ondemand");
    }

    #[test]
    fn launch_keys_form_a_tree() {
        let root = LaunchKey::root(1);
        assert_ne!(root, LaunchKey::root(2));
        assert_ne!(root.child(0), root.child(1));
        assert_eq!(root.child(3), LaunchKey::root(1).child(3));
        assert_ne!(root.child(0).child(0), root.child(0));
    }
}
