//! Serializable views of the fleet statistics.

use super::{FleetStats, HistogramSnapshot, STATUS_SLOTS};
use crate::agent::Endpoint;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e6).round() / 1e3
}

/// One endpoint's totals and latency quantiles since the start.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointSnapshot {
    /// Endpoint label.
    pub endpoint: &'static str,
    /// Requests made.
    pub requests: u64,
    /// Requests that failed for the agent.
    pub errors: u64,
    /// Errors by HTTP status, plus `transport` and `not_json`.
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Mean requests per second since the start.
    pub rps: f64,
    /// Median latency (ms).
    pub p50_ms: f64,
    /// 99th percentile (ms).
    pub p99_ms: f64,
    /// 99.9th percentile (ms).
    pub p999_ms: f64,
    /// Largest latency (ms).
    pub max_ms: f64,
    /// Raw histogram, for windows.
    #[serde(skip)]
    pub latency: HistogramSnapshot,
}

/// Everything at one moment.
#[derive(Debug, Clone, Serialize)]
pub struct StatsSnapshot {
    /// Real seconds since the stats were created.
    pub elapsed_secs: f64,
    /// Agent processes started.
    pub agents_started: u64,
    /// Registered and not stopped.
    pub agents_online: i64,
    /// Successful registrations.
    pub registrations: u64,
    /// Failed registrations.
    pub registration_failures: u64,
    /// Agent processes ended.
    pub agents_stopped: u64,
    /// Termination notices agents saw.
    pub interruptions_seen: u64,
    /// Rebalance recommendations agents saw.
    pub rebalances_seen: u64,
    /// Commands taken.
    pub commands_taken: u64,
    /// Switches completed.
    pub switches_completed: u64,
    /// Switches failed.
    pub switches_failed: u64,
    /// Replicas that came up.
    pub replicas_ready: u64,
    /// Replica launches that failed.
    pub replicas_failed: u64,
    /// Calls in flight.
    pub in_flight: i64,
    /// All requests.
    pub requests: u64,
    /// All failed requests.
    pub errors: u64,
    /// 99th percentile of how late agent steps ran (ms). It includes waiting
    /// for an in-flight slot, so with `in_flight` at `max_in_flight` the
    /// server is slow; with `in_flight` below it, the simulator is CPU-bound.
    pub schedule_lag_p99_ms: f64,
    /// Per endpoint, only those called at least once.
    pub endpoints: Vec<EndpointSnapshot>,
}

/// One endpoint over a window between two snapshots.
#[derive(Debug, Clone, Serialize)]
pub struct WindowEndpoint {
    /// Endpoint label.
    pub endpoint: &'static str,
    /// Requests in the window.
    pub requests: u64,
    /// Requests per second in the window.
    pub rps: f64,
    /// Errors in the window.
    pub errors: u64,
    /// Median latency in the window (ms).
    pub p50_ms: f64,
    /// 99th percentile in the window (ms).
    pub p99_ms: f64,
    /// 99.9th percentile in the window (ms).
    pub p999_ms: f64,
}

impl StatsSnapshot {
    /// Rates and quantiles between `earlier` and this snapshot.
    pub fn window_since(&self, earlier: &StatsSnapshot) -> Vec<WindowEndpoint> {
        let secs = (self.elapsed_secs - earlier.elapsed_secs).max(1e-9);
        self.endpoints
            .iter()
            .map(|e| {
                let before = earlier.endpoints.iter().find(|b| b.endpoint == e.endpoint);
                let h = before.map_or_else(|| e.latency.clone(), |b| e.latency.since(&b.latency));
                let requests = e.requests - before.map_or(0, |b| b.requests);
                WindowEndpoint {
                    endpoint: e.endpoint,
                    requests,
                    rps: requests as f64 / secs,
                    errors: e.errors - before.map_or(0, |b| b.errors),
                    p50_ms: ms(h.quantile(0.5)),
                    p99_ms: ms(h.quantile(0.99)),
                    p999_ms: ms(h.quantile(0.999)),
                }
            })
            .collect()
    }

    /// Failures between `earlier` and this snapshot, per endpoint and kind
    /// (HTTP status, `transport`, `not_json`); kinds with none are left out.
    pub fn errors_since(&self, earlier: &StatsSnapshot) -> Vec<(&'static str, String, u64)> {
        let mut out = Vec::new();
        for e in &self.endpoints {
            let before = earlier.endpoints.iter().find(|b| b.endpoint == e.endpoint);
            for (kind, n) in &e.errors_by_kind {
                let was = before.and_then(|b| b.errors_by_kind.get(kind)).copied().unwrap_or(0);
                if *n > was {
                    out.push((e.endpoint, kind.clone(), n - was));
                }
            }
        }
        out
    }
}

pub(super) fn take(stats: &FleetStats) -> StatsSnapshot {
    let elapsed = stats.elapsed().as_secs_f64().max(1e-9);
    let load = |c: &std::sync::atomic::AtomicU64| c.load(Ordering::Relaxed);
    let mut endpoints = Vec::new();
    for (endpoint, e) in Endpoint::ALL.iter().zip(&stats.endpoints) {
        let requests = load(&e.requests);
        if requests == 0 {
            continue;
        }
        let mut errors_by_kind = BTreeMap::new();
        for code in 0..STATUS_SLOTS {
            let n = e.by_status.get(code).map_or(0, load);
            if n > 0 {
                errors_by_kind.insert(code.to_string(), n);
            }
        }
        for (kind, n) in [("transport", load(&e.transport_errors)), ("not_json", load(&e.not_json))] {
            if n > 0 {
                errors_by_kind.insert(kind.to_owned(), n);
            }
        }
        let latency = e.latency.snapshot();
        endpoints.push(EndpointSnapshot {
            endpoint: endpoint.label(),
            requests,
            errors: errors_by_kind.values().sum(),
            errors_by_kind,
            rps: requests as f64 / elapsed,
            p50_ms: ms(latency.quantile(0.5)),
            p99_ms: ms(latency.quantile(0.99)),
            p999_ms: ms(latency.quantile(0.999)),
            max_ms: ms(latency.max()),
            latency,
        });
    }
    let c = &stats.counters;
    StatsSnapshot {
        elapsed_secs: elapsed,
        agents_started: load(&c.started),
        agents_online: c.online.load(Ordering::Relaxed),
        registrations: load(&c.registered),
        registration_failures: load(&c.registration_failures),
        agents_stopped: load(&c.stopped),
        interruptions_seen: load(&c.interruptions_seen),
        rebalances_seen: load(&c.rebalances_seen),
        commands_taken: load(&c.commands_taken),
        switches_completed: load(&c.switches_completed),
        switches_failed: load(&c.switches_failed),
        replicas_ready: load(&c.replicas_ready),
        replicas_failed: load(&c.replicas_failed),
        in_flight: stats.in_flight.load(Ordering::Relaxed),
        requests: endpoints.iter().map(|e| e.requests).sum(),
        errors: endpoints.iter().map(|e| e.errors).sum(),
        schedule_lag_p99_ms: ms(stats.schedule_lag.snapshot().quantile(0.99)),
        endpoints,
    }
}

#[cfg(test)]
mod tests {
    use crate::agent::{Endpoint, Failure};
    use crate::stats::FleetStats;
    use std::time::Duration;

    #[test]
    fn a_window_counts_only_its_own_requests_and_failures() {
        let stats = FleetStats::default();
        let ms = Duration::from_millis(5);
        stats.record_call(Endpoint::Heartbeat, ms, Err(Failure::Status(503)));
        let before = stats.snapshot();
        stats.record_call(Endpoint::Heartbeat, ms, Ok(200));
        stats.record_call(Endpoint::Heartbeat, ms, Err(Failure::Status(503)));
        stats.record_call(Endpoint::Register, ms, Err(Failure::Transport));
        let after = stats.snapshot();
        let mut errors = after.errors_since(&before);
        errors.sort();
        assert_eq!(errors, vec![("heartbeat", "503".to_owned(), 1), ("register", "transport".to_owned(), 1)]);
        let window = after.window_since(&before);
        let heartbeat = window.iter().find(|w| w.endpoint == "heartbeat").map(|w| (w.requests, w.errors));
        assert_eq!(heartbeat, Some((2, 1)));
    }
}
