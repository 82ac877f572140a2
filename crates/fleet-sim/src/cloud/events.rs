//! What happened in the cloud ([`CloudEvent`], kept in a bounded log for
//! tests and demos) and what is due to happen (the internal schedule).

use super::instance::{Market, TerminationReason};
use super::pool::PoolId;
use crate::clock::SimTime;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// One observable change in the simulated cloud.
#[derive(Debug, Clone, PartialEq)]
pub enum CloudEvent {
    /// An instance was launched; it becomes ready at `ready_at`.
    Launched {
        /// When.
        at: SimTime,
        /// Instance id.
        instance_id: String,
        /// Pool (type and AZ).
        pool: PoolId,
        /// Spot or on-demand.
        market: Market,
        /// When it will be ready.
        ready_at: SimTime,
    },
    /// A launch was refused (no spot capacity in the AZ).
    LaunchFailed {
        /// When.
        at: SimTime,
        /// Pool asked for.
        pool: PoolId,
    },
    /// The instance finished booting.
    Ready {
        /// When.
        at: SimTime,
        /// Instance id.
        instance_id: String,
    },
    /// A rebalance recommendation appeared in the instance's metadata.
    RebalanceRecommended {
        /// When.
        at: SimTime,
        /// Instance id.
        instance_id: String,
    },
    /// A two-minute termination notice appeared in the instance's metadata.
    TerminationNotice {
        /// When.
        at: SimTime,
        /// Instance id.
        instance_id: String,
        /// When the instance will be reclaimed.
        deadline: SimTime,
    },
    /// The instance is gone.
    Terminated {
        /// When.
        at: SimTime,
        /// Instance id.
        instance_id: String,
        /// Requested or interrupted.
        reason: TerminationReason,
    },
    /// A pool's spot price moved.
    PriceChanged {
        /// When.
        at: SimTime,
        /// Pool.
        pool: PoolId,
        /// New price (USD per hour).
        price: f64,
    },
    /// A whole AZ is being reclaimed: `instances` spot instances got notices.
    MassInterruption {
        /// When.
        at: SimTime,
        /// AZ.
        az: String,
        /// How many instances got a notice.
        instances: usize,
    },
}

impl CloudEvent {
    /// When the event happened.
    pub fn at(&self) -> SimTime {
        match self {
            CloudEvent::Launched { at, .. }
            | CloudEvent::LaunchFailed { at, .. }
            | CloudEvent::Ready { at, .. }
            | CloudEvent::RebalanceRecommended { at, .. }
            | CloudEvent::TerminationNotice { at, .. }
            | CloudEvent::Terminated { at, .. }
            | CloudEvent::PriceChanged { at, .. }
            | CloudEvent::MassInterruption { at, .. } => *at,
        }
    }
}

/// A bounded log: the oldest events are dropped first.
#[derive(Debug, Clone, Default)]
pub struct EventLog {
    events: VecDeque<CloudEvent>,
    capacity: usize,
    dropped: u64,
}

impl EventLog {
    /// A log holding at most `capacity` events (0 records nothing).
    pub fn new(capacity: usize) -> Self {
        EventLog { events: VecDeque::new(), capacity, dropped: 0 }
    }

    pub(crate) fn push(&mut self, e: CloudEvent) {
        if self.capacity == 0 {
            self.dropped += 1;
            return;
        }
        if self.events.len() == self.capacity {
            self.events.pop_front();
            self.dropped += 1;
        }
        self.events.push_back(e);
    }

    /// Events kept, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &CloudEvent> {
        self.events.iter()
    }

    /// Removes and returns every kept event.
    pub fn drain(&mut self) -> Vec<CloudEvent> {
        self.events.drain(..).collect()
    }

    /// How many events were not kept.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

/// Work the cloud does at a given time.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Due {
    Ready(String),
    Rebalance(String),
    Notice(String),
    Reclaim(String),
    Forget(String),
    MassWarning(usize),
    MassNotice(usize, bool),
}

/// A min-heap of due work, ordered by time then insertion order.
#[derive(Debug, Default)]
pub(crate) struct Schedule {
    heap: BinaryHeap<Reverse<(SimTime, u64, Due)>>,
    seq: u64,
}

impl Schedule {
    pub(crate) fn push(&mut self, at: SimTime, due: Due) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, due)));
    }

    pub(crate) fn next_at(&self) -> Option<SimTime> {
        self.heap.peek().map(|Reverse((t, _, _))| *t)
    }

    pub(crate) fn pop_due(&mut self, until: SimTime) -> Option<(SimTime, Due)> {
        if self.next_at()? > until {
            return None;
        }
        self.heap.pop().map(|Reverse((t, _, d))| (t, d))
    }
}
