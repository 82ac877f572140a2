//! The agent's periodic tasks (v4 runs one thread per task, each doing its
//! work then waiting its interval) as a small table of next-due times.

use super::spec::Behaviour;
use crate::clock::SimTime;
use crate::rng::SimRng;
use std::time::Duration;

/// A periodic task of the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Heartbeat (30 s).
    Heartbeat,
    /// Pending-commands poll (15 s).
    Commands,
    /// Config refresh (60 s).
    Config,
    /// Pricing report (300 s).
    Pricing,
    /// Termination-notice check of the metadata (5 s, spot only).
    Termination,
    /// Rebalance-recommendation check of the metadata (30 s, spot only).
    Rebalance,
    /// Cleanup (hourly).
    Cleanup,
}

impl Task {
    /// Every task, in the order they run when due together.
    pub const ALL: [Task; 7] = [
        Task::Termination,
        Task::Rebalance,
        Task::Commands,
        Task::Heartbeat,
        Task::Config,
        Task::Pricing,
        Task::Cleanup,
    ];

    /// The v4 interval of the task.
    pub fn interval(self, b: &Behaviour) -> Duration {
        match self {
            Task::Heartbeat => b.heartbeat,
            Task::Commands => b.commands,
            Task::Config => b.config,
            Task::Pricing => b.pricing,
            Task::Termination => b.termination_check,
            Task::Rebalance => b.rebalance_check,
            Task::Cleanup => b.cleanup,
        }
    }
}

fn slot(task: Task) -> usize {
    task as usize
}

/// Next due time of each task (`None`: the task does not run).
#[derive(Debug, Clone, Default)]
pub(crate) struct Timers {
    next: [Option<SimTime>; 7],
}

impl Timers {
    /// Tasks start right away (with jitter) as v4's threads do; cleanup is
    /// spread over its first hour so a fleet started at once does not
    /// report cleanup in one burst. Metadata checks run only on spot.
    pub fn start(now: SimTime, b: &Behaviour, spot: bool, rng: &mut SimRng) -> Self {
        let mut t = Timers::default();
        for task in Task::ALL {
            let offset = match task {
                Task::Cleanup => rng.uniform(0.0, b.cleanup.as_secs_f64()),
                Task::Termination | Task::Rebalance if !spot => continue,
                _ => rng.uniform(0.0, b.jitter.as_secs_f64()),
            };
            t.next[slot(task)] = Some(now + Duration::from_secs_f64(offset));
        }
        t
    }

    /// Tasks due at `now`, in [`Task::ALL`] order.
    pub fn due(&self, now: SimTime) -> Vec<Task> {
        Task::ALL.into_iter().filter(|&t| self.next[slot(t)].is_some_and(|at| at <= now)).collect()
    }

    /// Schedules `task` one interval (plus jitter) after `now`.
    pub fn reschedule(
        &mut self,
        task: Task,
        now: SimTime,
        interval: Duration,
        jitter: Duration,
        rng: &mut SimRng,
    ) {
        let extra = rng.uniform(0.0, jitter.as_secs_f64());
        self.next[slot(task)] = Some(now + interval + Duration::from_secs_f64(extra));
    }

    /// Brings `task` forward to `at` if it is due later.
    pub fn pull_in(&mut self, task: Task, at: SimTime) {
        if let Some(next) = self.next[slot(task)].as_mut() {
            *next = (*next).min(at);
        }
    }

    /// The earliest due time.
    pub fn earliest(&self) -> Option<SimTime> {
        self.next.iter().flatten().min().copied()
    }
}
