//! A closed-loop heartbeat load: `concurrency` tasks each send the next v4
//! heartbeat as soon as the previous one is answered, for a fixed time.
//! Run against the gateway and against the bare ceiling server, it gives
//! the most heartbeats per second each can take on this machine.

use spot_fleet_sim::stats::Histogram;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// One heartbeat to send: who, with which token, which body.
#[derive(Debug, Clone)]
pub struct Target {
    /// Tenant token.
    pub token: String,
    /// Path, `/api/agents/{id}/heartbeat`.
    pub path: String,
    /// JSON body.
    pub body: bytes::Bytes,
}

/// What a saturation run measured.
#[derive(Debug, Clone, Default)]
pub struct Saturation {
    /// Answered requests (any status).
    pub requests: u64,
    /// Requests per second over the run.
    pub rps: f64,
    /// 2xx per second.
    pub ok_rps: f64,
    /// Failures by status (or `transport`).
    pub errors: BTreeMap<String, u64>,
    /// Latency quantiles, ms.
    pub p50_ms: f64,
    /// 99th percentile, ms.
    pub p99_ms: f64,
}

/// Hammers `base` with `targets` (round robin) from `concurrency` tasks for `duration`.
pub async fn run(
    base: &str,
    targets: Arc<Vec<Target>>,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<Saturation> {
    anyhow::ensure!(!targets.is_empty(), "no heartbeat targets");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .pool_idle_timeout(Duration::from_secs(4))
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()?;
    let latency = Arc::new(Histogram::default());
    let next = Arc::new(AtomicU64::new(0));
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(std::sync::Mutex::new(BTreeMap::<String, u64>::new()));
    let started = Instant::now();
    let until = started + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency.max(1) {
        let (client, targets, latency, next, ok, errors) =
            (client.clone(), targets.clone(), latency.clone(), next.clone(), ok.clone(), errors.clone());
        let base = base.to_owned();
        tasks.spawn(async move {
            while Instant::now() < until {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize % targets.len();
                let Some(t) = targets.get(i) else { break };
                let sent = Instant::now();
                let outcome = client
                    .post(format!("{base}{}", t.path))
                    .bearer_auth(&t.token)
                    .header("Content-Type", "application/json")
                    .body(t.body.clone())
                    .send()
                    .await;
                let kind = match outcome {
                    Ok(r) => {
                        let status = r.status();
                        let _ = r.bytes().await;
                        status.is_success().then(String::new).unwrap_or_else(|| status.as_u16().to_string())
                    }
                    Err(_) => "transport".to_owned(),
                };
                latency.record(sent.elapsed());
                if kind.is_empty() {
                    ok.fetch_add(1, Ordering::Relaxed);
                } else if let Ok(mut e) = errors.lock() {
                    *e.entry(kind).or_insert(0) += 1;
                }
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let h = latency.snapshot();
    let errors = errors.lock().map(|e| e.clone()).unwrap_or_default();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(Saturation {
        requests: h.count(),
        rps: h.count() as f64 / secs,
        ok_rps: ok.load(Ordering::Relaxed) as f64 / secs,
        errors,
        p50_ms: ms(h.quantile(0.5)),
        p99_ms: ms(h.quantile(0.99)),
    })
}
