//! The scheduler that runs every agent of a fleet from one task: a min-heap
//! of agents by next wake time. A due agent is polled in place (cheap, no
//! I/O); only when it has calls to make is it handed to a short-lived task,
//! bounded by a semaphore, that makes them on the shared client and returns
//! the agent through a channel. No task sleeps per agent.

use super::http::Http;
use crate::agent::{Agent, AgentSpec, StopReason};
use crate::clock::{SimClock, SimTime};
use crate::cloud::{Cloud, SharedCloud};
use crate::stats::FleetStats;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

/// What the fleet's owner asks of the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    Run,
    /// Restarts `permille` of the running agents' processes, spread evenly
    /// over `over` (a rollout: each v4 agent registers anew at its start).
    Reinstall {
        permille: u16,
        over: Duration,
    },
    Stop {
        graceful: bool,
    },
}

struct Returned {
    slot: u64,
    agent: Agent,
    was_running: bool,
}

/// Most agents polled in one pass before the driver looks at its channels.
const PASS_BUDGET: usize = 20_000;
/// How long a stopping fleet waits for calls in flight.
const DRAIN: Duration = Duration::from_secs(35);

pub(crate) fn lock(cloud: &SharedCloud) -> MutexGuard<'_, Cloud> {
    // A panic while holding the lock cannot leave the cloud half-updated in
    // a way that matters more than stopping the simulation would.
    cloud.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub(crate) struct Driver {
    clock: SimClock,
    cloud: SharedCloud,
    http: Arc<Http>,
    stats: Arc<FleetStats>,
    idle: HashMap<u64, Agent>,
    heap: BinaryHeap<Reverse<(SimTime, u64)>>,
    next_slot: u64,
    out: usize,
    tx: mpsc::UnboundedSender<Returned>,
    rx: mpsc::UnboundedReceiver<Returned>,
    permits: Arc<Semaphore>,
}

impl Driver {
    pub fn new(
        clock: SimClock,
        cloud: SharedCloud,
        http: Http,
        stats: Arc<FleetStats>,
        max_in_flight: usize,
    ) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Driver {
            clock,
            cloud,
            http: Arc::new(http),
            stats,
            idle: HashMap::new(),
            heap: BinaryHeap::new(),
            next_slot: 0,
            out: 0,
            tx,
            rx,
            permits: Arc::new(Semaphore::new(max_in_flight)),
        }
    }

    /// Adds an agent process.
    pub fn add(&mut self, spec: AgentSpec) {
        self.stats.counters.started.fetch_add(1, Ordering::Relaxed);
        let agent = Agent::new(spec, self.clock.epoch());
        let slot = self.next_slot;
        self.next_slot += 1;
        self.park(slot, agent);
    }

    fn park(&mut self, slot: u64, agent: Agent) {
        if agent.is_stopped() {
            return;
        }
        let at = agent.next_wake().unwrap_or_else(|| self.clock.now() + Duration::from_secs(1));
        self.heap.push(Reverse((at, slot)));
        self.idle.insert(slot, agent);
    }

    /// Counts what the agent did, starts agents on instances it launched, parks it.
    fn absorb(&mut self, slot: u64, mut agent: Agent, was_running: bool) {
        for event in agent.take_events() {
            self.stats.record_event(event);
        }
        if was_running != agent.is_running() {
            self.stats.online_changed(agent.is_running());
        }
        for spawn in agent.take_spawned() {
            let spec =
                AgentSpec { instance: spawn.instance, start_at: spawn.start_at, ..agent.spec().clone() };
            self.add(spec);
        }
        self.park(slot, agent);
    }

    fn run_due(&mut self) {
        let now = self.clock.now();
        let mut budget = PASS_BUDGET;
        while let Some(&Reverse((due, slot))) = self.heap.peek() {
            if due > now || budget == 0 {
                break;
            }
            budget -= 1;
            self.heap.pop();
            let Some(mut agent) = self.idle.remove(&slot) else { continue };
            let late = tokio::time::Instant::now().saturating_duration_since(self.clock.instant_at(due));
            self.stats.schedule_lag.record(late);
            let was_running = agent.is_running();
            let calls = agent.poll(now, &mut lock(&self.cloud));
            if calls.is_empty() {
                self.absorb(slot, agent, was_running);
            } else {
                self.dispatch(slot, agent, was_running, calls);
            }
        }
        lock(&self.cloud).advance_to(now);
    }

    fn dispatch(&mut self, slot: u64, mut agent: Agent, was_running: bool, calls: Vec<crate::agent::Call>) {
        self.out += 1;
        let (http, clock, cloud, stats) =
            (self.http.clone(), self.clock.clone(), self.cloud.clone(), self.stats.clone());
        let (permits, tx) = (self.permits.clone(), self.tx.clone());
        tokio::spawn(async move {
            let _permit = permits.acquire_owned().await.ok();
            let token = agent.spec().token.clone();
            let mut queue = VecDeque::from(calls);
            while let Some(call) = queue.pop_front() {
                stats.in_flight.fetch_add(1, Ordering::Relaxed);
                let answer = http.execute(&token, &call).await;
                stats.in_flight.fetch_sub(1, Ordering::Relaxed);
                let now = clock.now();
                let more = agent.on_answer(&call, answer, now, &mut lock(&cloud));
                queue.extend(more);
            }
            // The receiver lives as long as the driver; if it is gone, so is the fleet.
            let _ = tx.send(Returned { slot, agent, was_running });
        });
    }

    /// Runs until told to stop; then drains and (if graceful) sends every
    /// running agent's shutdown heartbeat.
    pub async fn run(mut self, mut signal: watch::Receiver<Signal>) {
        let graceful = loop {
            self.run_due();
            let wake = self.heap.peek().map(|Reverse((t, _))| self.clock.instant_at(*t));
            tokio::select! {
                biased;
                changed = signal.changed() => {
                    match (changed, *signal.borrow()) {
                        (Ok(()), Signal::Run) => {}
                        (Ok(()), Signal::Reinstall { permille, over }) => self.reinstall(permille, over),
                        (_, Signal::Stop { graceful }) => break graceful,
                        (Err(_), Signal::Run | Signal::Reinstall { .. }) => break false,
                    }
                }
                Some(r) = self.rx.recv() => {
                    self.out -= 1;
                    self.absorb(r.slot, r.agent, r.was_running);
                }
                () = sleep_until(wake) => {}
            }
        };
        self.drain().await;
        if graceful {
            self.say_goodbye().await;
        }
    }

    /// Restarts the chosen idle agents; an agent in the middle of a call is
    /// skipped (at most `max_in_flight` of a fleet, and the share is by slot).
    fn reinstall(&mut self, permille: u16, over: Duration) {
        let now = self.clock.now();
        let mut chosen: Vec<u64> = self
            .idle
            .iter()
            .filter(|(slot, agent)| agent.is_running() && chosen_slot(**slot, permille))
            .map(|(slot, _)| *slot)
            .collect();
        chosen.sort_unstable();
        let count = chosen.len().max(1) as f64;
        for (rank, slot) in chosen.into_iter().enumerate() {
            let Some(mut agent) = self.idle.remove(&slot) else { continue };
            let at = now + over.mul_f64(rank as f64 / count);
            let calls = agent.reinstall(at);
            self.stats.online_changed(false);
            if calls.is_empty() {
                self.park(slot, agent);
            } else {
                self.dispatch(slot, agent, false, calls);
            }
        }
    }

    async fn drain(&mut self) {
        let deadline = tokio::time::Instant::now() + DRAIN;
        while self.out > 0 {
            tokio::select! {
                Some(r) = self.rx.recv() => {
                    self.out -= 1;
                    self.absorb(r.slot, r.agent, r.was_running);
                }
                () = tokio::time::sleep_until(deadline) => break,
            }
        }
    }

    async fn say_goodbye(&mut self) {
        let mut set = JoinSet::new();
        for (_, mut agent) in self.idle.drain() {
            let was_running = agent.is_running();
            let calls = agent.stop(StopReason::FleetStopped);
            for event in agent.take_events() {
                self.stats.record_event(event);
            }
            if was_running {
                self.stats.online_changed(false);
            }
            let token = agent.spec().token.clone();
            for call in calls {
                let (http, permits, token) = (self.http.clone(), self.permits.clone(), token.clone());
                set.spawn(async move {
                    let _permit = permits.acquire_owned().await.ok();
                    http.execute(&token, &call).await;
                });
            }
        }
        while set.join_next().await.is_some() {}
    }
}

/// Whether `slot` falls in the first `permille` of every thousand.
fn chosen_slot(slot: u64, permille: u16) -> bool {
    // Spread over the fleet (slots are in registration order): a multiplicative hash.
    (slot.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % 1000 < u64::from(permille)
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::chosen_slot;

    #[test]
    fn a_share_of_slots_is_chosen_evenly() {
        let half = (0..10_000u64).filter(|s| chosen_slot(*s, 500)).count();
        assert!((4_800..=5_200).contains(&half), "{half}");
        assert_eq!((0..1_000u64).filter(|s| chosen_slot(*s, 0)).count(), 0);
        assert_eq!((0..1_000u64).filter(|s| chosen_slot(*s, 1000)).count(), 1_000);
    }
}
