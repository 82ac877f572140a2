//! `spotctl bench sse`: bus event -> live-stream client latency with many
//! concurrent streams (docs/EVENTS.md, "Live updates"; target p99 < 500 ms).
//!
//! The whole stack runs in this process against a private database and
//! nats-server. One tenant opens `--streams` SSE streams; then `--events`
//! `AgentStatusChanged` events of that tenant are published on JetStream,
//! one every `--interval-ms`, each for a fresh agent id. Every stream notes
//! when each event arrived; latency is arrival minus the instant just
//! before the publish. The clients run in the same process (and on the same
//! cores) as the gateway, so the figure includes their own parsing.

use super::Report;
use super::sandbox::BenchDatabase;
use spot_contracts::v1;
use spot_platform::{Settings, Shutdown};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// Sizes of a run.
#[derive(Debug, Clone, clap::Args)]
pub struct SseArgs {
    /// Concurrent SSE streams (one tenant).
    #[arg(long, default_value_t = 1_000)]
    pub streams: usize,
    /// Events published.
    #[arg(long, default_value_t = 100)]
    pub events: usize,
    /// Pause between two events, milliseconds.
    #[arg(long, default_value_t = 50)]
    pub interval_ms: u64,
}

type SentAt = Arc<RwLock<HashMap<String, Instant>>>;

/// What one stream saw.
struct Seen {
    latencies_us: Vec<u64>,
    ended_early: bool,
}

/// Runs the bench and returns the report.
pub async fn run(settings: &Settings, args: &SseArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(args.streams > 0 && args.events > 0, "--streams and --events must be positive");
    let bench_db = BenchDatabase::create(settings.database_url.expose()).await?;
    let nats = spot_testkit::TestNats::start().await?;
    let mut stack_settings = spot_testkit::settings_at(&bench_db.url, &nats.url)?;
    stack_settings.database_max_connections = settings.database_max_connections.min(16);
    // Room for every stream's queue to absorb a burst.
    stack_settings.source.set("SPOT_SSE_CLIENT_QUEUE", "1024");
    let stack = crate::stack::Stack::start(&stack_settings, Shutdown::new()).await?;
    let outcome = measure(&stack, &nats.url, args).await;
    stack.stop(Duration::from_secs(5)).await;
    drop(nats);
    bench_db.drop().await?;
    outcome
}

/// The agent ids of the complete `agent.status_changed` blocks in `buf`
/// (consumed). A byte search, not a JSON parse: the clients share the
/// cores with the gateway, and their cost should stay small next to its.
fn agents(buf: &mut Vec<u8>) -> Vec<String> {
    const EVENT: &[u8] = b"event: agent.status_changed\n";
    const FIELD: &[u8] = b"\"agent_id\":\"";
    let mut out = Vec::new();
    while let Some(end) = buf.windows(2).position(|w| w == b"\n\n") {
        let block: Vec<u8> = buf.drain(..end + 2).collect();
        if !block.windows(EVENT.len()).any(|w| w == EVENT) {
            continue;
        }
        if let Some(at) = block.windows(FIELD.len()).position(|w| w == FIELD) {
            let start = at + FIELD.len();
            if let Some(id) = block.get(start..start + 36) {
                out.push(String::from_utf8_lossy(id).into_owned());
            }
        }
    }
    out
}

async fn client(
    http: reqwest::Client,
    url: String,
    token: String,
    sent: SentAt,
    ready: Arc<AtomicUsize>,
    want: usize,
    stop: Shutdown,
) -> Seen {
    let mut seen = Seen { latencies_us: Vec::with_capacity(want), ended_early: true };
    let Ok(mut resp) = http.get(&url).bearer_auth(&token).send().await else { return seen };
    let mut buf = Vec::new();
    let mut counted = false;
    loop {
        let chunk = tokio::select! {
            _ = stop.wait() => { seen.ended_early = seen.latencies_us.len() < want; return seen; }
            c = resp.chunk() => c,
        };
        let Ok(Some(chunk)) = chunk else { return seen };
        let at = Instant::now();
        if !counted {
            counted = true;
            ready.fetch_add(1, Ordering::Relaxed);
        }
        buf.extend_from_slice(&chunk);
        for agent in agents(&mut buf) {
            let started = sent.read().ok().and_then(|m| m.get(&agent).copied());
            if let Some(started) = started {
                seen.latencies_us
                    .push(u64::try_from(at.duration_since(started).as_micros()).unwrap_or(u64::MAX));
            }
        }
        if seen.latencies_us.len() >= want {
            seen.ended_early = false;
            return seen;
        }
    }
}

fn pct(sorted: &[u64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize] as f64 / 1000.0
}

async fn measure(stack: &crate::stack::Stack, nats_url: &str, args: &SseArgs) -> anyhow::Result<Report> {
    let base = stack.gateway_url();
    let tenant = crate::admin::create_tenant(&base, "test-admin-token", "bench", "bench@example.com").await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).build()?;
    let sent: SentAt = Arc::new(RwLock::new(HashMap::with_capacity(args.events)));
    let ready = Arc::new(AtomicUsize::new(0));
    let stop = Shutdown::new();
    let url = format!("{base}/api/events/stream");
    let opened = Instant::now();
    let tasks: Vec<_> = (0..args.streams)
        .map(|_| {
            tokio::spawn(client(
                http.clone(),
                url.clone(),
                tenant.token.clone(),
                sent.clone(),
                ready.clone(),
                args.events,
                stop.clone(),
            ))
        })
        .collect();
    while ready.load(Ordering::Relaxed) < args.streams {
        anyhow::ensure!(opened.elapsed() < Duration::from_secs(120), "streams did not all open within 120 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let open_secs = opened.elapsed().as_secs_f64();

    let bus = spot_platform::bus::Bus::connect(nats_url, "bench-sse", Duration::from_secs(5), false).await?;
    let publishing = Instant::now();
    for _ in 0..args.events {
        let agent = uuid::Uuid::now_v7().to_string();
        let event = v1::AgentStatusChanged {
            meta: Some(v1::EventMeta {
                event_id: uuid::Uuid::now_v7().to_string(),
                occurred_at: Some(spot_platform::time::now_wire()),
                client_id: tenant.id.clone(),
                agent_id: agent.clone(),
                producer: "bench".into(),
                request_id: String::new(),
            }),
            previous_status: "offline".into(),
            status: "online".into(),
            reason: "bench".into(),
        };
        if let Ok(mut m) = sent.write() {
            m.insert(agent, Instant::now());
        }
        bus.publish_event(&event).await?;
        tokio::time::sleep(Duration::from_millis(args.interval_ms)).await;
    }
    let publish_secs = publishing.elapsed().as_secs_f64();
    // Up to 10 s for the tail, then whatever has not arrived is missing.
    let stopper = {
        let stop = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(10)).await;
            stop.trigger();
        })
    };
    let mut latencies = Vec::with_capacity(args.streams * args.events);
    let mut early = 0usize;
    for t in tasks {
        let seen = t.await?;
        early += usize::from(seen.ended_early);
        latencies.extend(seen.latencies_us);
    }
    stopper.abort();
    latencies.sort_unstable();
    let expected = args.streams * args.events;
    let mut report = Report::new("sse");
    report.add("streams", args.streams as f64, "", "1000");
    report.add("streams_open_secs", open_secs, "s", "");
    report.add("events_published", args.events as f64, "", "");
    report.add("publish_secs", publish_secs, "s", "");
    report.add("messages_expected", expected as f64, "", "");
    report.add("messages_received", latencies.len() as f64, "", "= expected");
    report.add("streams_incomplete", early as f64, "", "0");
    report.add("latency_p50_ms", pct(&latencies, 0.50), "ms", "");
    report.add("latency_p95_ms", pct(&latencies, 0.95), "ms", "");
    report.add("latency_p99_ms", pct(&latencies, 0.99), "ms", "< 500");
    report.add("latency_max_ms", pct(&latencies, 1.0), "ms", "");
    report.add("peak_rss_mib", super::peak_rss_mib(), "MiB", "");
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_ids_of_complete_status_blocks_only() {
        let a = "0190f5a6-0000-7000-8000-0000000000aa";
        let text = format!(
            ": connected\n\nid: 1\nevent: agent.status_changed\ndata: {{\"agent_id\":\"{a}\"}}\n\n\
             id: 2\nevent: notice.changed\ndata: {{\"agent_id\":\"{a}\"}}\n\nid: 3\nevent: agent.st"
        );
        let mut buf = text.into_bytes();
        assert_eq!(agents(&mut buf), vec![a.to_owned()]);
        assert_eq!(buf, b"id: 3\nevent: agent.st");
    }

    #[test]
    fn percentiles_in_milliseconds() {
        let v: Vec<u64> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(pct(&v, 0.99), 99.0);
        assert_eq!(pct(&v, 1.0), 100.0);
        assert!(pct(&[], 0.5).is_nan());
    }
}
