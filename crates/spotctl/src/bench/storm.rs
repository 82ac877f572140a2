//! Storm scenarios of `spotctl bench ingest --storm <kind>` (issue 15; the
//! method and the figures are in docs/BENCHMARKS.md, "Storms"): the same
//! simulated v4 fleet as the steady bench, and one event that real fleets
//! live through:
//! - `cold`: the fleet arrives at once on an empty database (registrations at
//!   `--register-rate`, each agent starting its steady schedule as soon as it
//!   registered), with no `ANALYZE` beforehand;
//! - `gateway-restart`: the gateway is killed (SIGKILL) and started again under
//!   the steady load;
//! - `registration`: half of the fleet restarts its agent within two minutes
//!   (a rollout; v4 registers anew at every start) on top of the steady load;
//! - `postgres-restart`: Postgres is stopped in fast mode and started again
//!   under the steady load (a private cluster, see `chaos::postgres`).
//!
//! The fleet's own counts are read every 10 s: heartbeat success, and every
//! failed request as refused (503/429), timed out or cut (transport), or
//! another error. From them: the time after the event until heartbeat
//! success stays at 99.9 % or more, and the worst minute after the event.

use super::Report;
use super::ingest::{self, IngestArgs};
use super::procs::ServiceProcs;
use super::sandbox::{self, Sandbox};
use super::scrape;
use crate::chaos::postgres::PgCluster;
use sea_orm::{ConnectionTrait, Database};
use spot_fleet_sim::fleet::{Fleet, FleetSnapshot};
use spot_platform::Settings;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The event a storm run lives through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Storm {
    /// The whole fleet registers at once on an empty database, then the steady mix.
    Cold,
    /// SIGKILL and restart of the gateway under the steady load.
    GatewayRestart,
    /// Half of the fleet re-registers within two minutes.
    Registration,
    /// Postgres stopped (fast) and started again under the steady load.
    PostgresRestart,
}

impl Storm {
    fn label(self) -> &'static str {
        match self {
            Storm::Cold => "cold",
            Storm::GatewayRestart => "gateway_restart",
            Storm::Registration => "registration",
            Storm::PostgresRestart => "postgres_restart",
        }
    }
}

/// How often the fleet's counts are read.
const BUCKET: Duration = Duration::from_secs(10);
/// Steady running observed before the event (not for `cold`).
const BASELINE: Duration = Duration::from_secs(30);
/// Share of the fleet that re-registers, and over how long.
const STORM_SHARE: f64 = 0.5;
const STORM_SPAN: Duration = Duration::from_secs(120);
/// Heartbeat success that counts as recovered.
const RECOVERED: f64 = 0.999;

/// Runs one storm and returns its report.
pub async fn run(settings: &Settings, args: &IngestArgs, storm: Storm) -> anyhow::Result<Report> {
    anyhow::ensure!(args.register_rate > 0.0, "--register-rate must be positive");
    let pool = settings.database_max_connections.min(16);
    let bin_dir = args.bin_dir.as_ref();
    let name = format!("ingest-{}", storm.label());
    if storm != Storm::PostgresRestart {
        let url = settings.database_url.expose();
        return sandbox::with_services_at(&name, url, pool, bin_dir, async |services, sandbox| {
            play(services, sandbox, args, storm, None).await
        })
        .await;
    }
    let cluster = PgCluster::start().await?;
    let url = cluster.url("postgres");
    let outcome = sandbox::with_services_at(&name, &url, pool, bin_dir, async |services, sandbox| {
        play(services, sandbox, args, storm, Some(&cluster)).await
    })
    .await;
    cluster.remove().await;
    outcome
}

async fn play(
    services: &mut ServiceProcs,
    sandbox: &Sandbox,
    args: &IngestArgs,
    storm: Storm,
    postgres: Option<&PgCluster>,
) -> anyhow::Result<Report> {
    let mut config = ingest::fleet_config(args, &services.gateway_url(), &sandbox.admin);
    if storm == Storm::Cold {
        config.ramp_up = Duration::from_secs_f64(args.agents as f64 / args.register_rate);
    }
    let ramp = config.ramp_up;
    let fleet = Fleet::start(config).await?;
    let mut timeline;
    let mut restart = None;
    // Cache lookups are counted from the event on (`cold`: from the first registration).
    let mut cache_start = BTreeMap::new();
    if storm == Storm::Cold {
        eprintln!(
            "storm cold: {} agents registering over {:.0} s, steady mix at once",
            args.agents,
            ramp.as_secs_f64()
        );
        timeline = Timeline::new(fleet.snapshot());
        cache_start = cache_counters(services).await?;
        timeline.follow(&fleet, services, ramp).await?;
    } else {
        eprintln!(
            "storm {}: {} agents registering over {:.0} s",
            storm.label(),
            args.agents,
            ramp.as_secs_f64()
        );
        ingest::run_for(&fleet, services, args.agents, ramp + args.warmup, "ramp-up").await?;
        let db = Database::connect(sandbox.db.url.as_str()).await?;
        db.execute_unprepared("ANALYZE").await?;
        db.close().await?;
        timeline = Timeline::new(fleet.snapshot());
        timeline.follow(&fleet, services, BASELINE).await?;
    }
    let event_at = timeline.elapsed();
    if storm != Storm::Cold {
        cache_start = cache_counters(services).await?;
    }
    match storm {
        Storm::Cold => eprintln!("storm cold: every agent registered; steady mix"),
        Storm::GatewayRestart => {
            eprintln!("storm: SIGKILL to the gateway, then a new one");
            restart = Some(services.kill_and_restart("gateway").await?);
            cache_start = cache_counters(services).await?;
        }
        Storm::Registration => {
            eprintln!("storm: {:.0} % of the agents restart within {STORM_SPAN:?}", STORM_SHARE * 100.0);
            fleet.reinstall(STORM_SHARE, STORM_SPAN);
        }
        Storm::PostgresRestart => {
            eprintln!("storm: Postgres stopped (fast) and started again");
            let started = Instant::now();
            if let Some(pg) = postgres {
                pg.stop().await?;
                pg.resume().await?;
            }
            restart = Some(started.elapsed());
        }
    }
    timeline.follow(&fleet, services, args.duration).await?;
    let cache_end = cache_counters(services).await?;
    let shed = gateway_counters(services, "spot_gateway_requests_refused_total").await?;
    let last = fleet.shutdown(false).await?;

    let mut report = Report::new(&format!("ingest --storm {}", storm.label()));
    report.add("agents", args.agents as f64, "agents", "");
    report.add("agents_online", last.stats.agents_online as f64, "agents", "");
    if storm == Storm::Cold {
        report.add("register_rate", args.register_rate, "agents/s", "");
    }
    if let Some(took) = restart {
        report.add("restart.ready_s", took.as_secs_f64(), "s", "");
    }
    let before = timeline.summary(0.0, event_at);
    if storm != Storm::Cold {
        report.add("baseline.heartbeat_success", before.success, "ratio", ">= 0.999");
    }
    let after = timeline.summary(event_at, f64::INFINITY);
    let target_recovery = match storm {
        Storm::Cold => "<= 60",
        Storm::GatewayRestart => "<= 30",
        _ => "",
    };
    let target_worst = match storm {
        Storm::Cold => ">= 0.95",
        Storm::Registration => ">= 0.99",
        _ => "",
    };
    report.add("after.observed_s", after.span_s, "s", "");
    report.add("after.heartbeat_success", after.success, "ratio", "");
    report.add("after.worst_minute_success", after.worst_minute, "ratio", target_worst);
    report.add("after.recovered", f64::from(u8::from(after.recovered_after_s.is_some())), "bool", "1");
    report.add("after.recovery_s", after.recovered_after_s.unwrap_or(after.span_s), "s", target_recovery);
    report.add("after.requests", after.requests as f64, "requests", "");
    report.add("after.refused", after.refused as f64, "requests", "");
    report.add("after.timed_out_or_cut", after.timed_out as f64, "requests", "");
    report.add("after.other_errors", after.other as f64, "requests", "0");
    report.add("after.heartbeat_p99_ms", after.heartbeat_p99_ms, "ms", "");
    // Whether the fleet could keep its schedule: a late step means the load
    // generator (or its in-flight cap, with a slow server) held requests back.
    report.add("after.requests_per_s", after.requests as f64 / after.span_s.max(1e-9), "req/s", "");
    // The v4 schedule asks about 0.12 requests/s per agent (docs/BENCHMARKS.md).
    report.add("asked_requests_per_s", 0.12 * last.stats.agents_online as f64, "req/s", "");
    report.add("loadgen.schedule_lag_p99_ms", last.stats.schedule_lag_p99_ms, "ms", "");
    // Lookups from the event on (for a restarted gateway, from its start).
    cache_rows(&mut report, &cache_start, &cache_end);
    // Admission refusals by class over the gateway's life (a restarted one: since its start).
    for (labels, n) in &shed {
        let class = labels.trim_start_matches("class=\"").trim_end_matches('"');
        report.add(&format!("gateway.shed.{class}"), *n, "requests", "");
    }
    // Over the whole watched run (for `cold`, the registrations too).
    for (endpoint, kind, n) in last.stats.errors_since(&timeline.first.stats) {
        report.add(&format!("failed.{endpoint}.{kind}"), n as f64, "requests", "");
    }
    eprintln!("{}", timeline.render(event_at));
    Ok(report)
}

/// The fleet's counts over one bucket.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Bucket {
    /// Seconds since the timeline started, at the bucket's end.
    pub end_s: f64,
    /// Length of the bucket, seconds.
    pub span_s: f64,
    pub heartbeats: u64,
    pub heartbeats_ok: u64,
    pub requests: u64,
    /// 503 and 429 answers (any endpoint).
    pub refused: u64,
    /// Requests that timed out or whose connection failed (any endpoint).
    pub timed_out: u64,
    /// Every other failure (other statuses, bodies that are not JSON).
    pub other: u64,
    /// Heartbeat p99 in the bucket, ms.
    pub heartbeat_p99_ms: f64,
}

/// What happened over a stretch of buckets.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Summary {
    pub span_s: f64,
    pub success: f64,
    /// Lowest heartbeat success over any six consecutive buckets (a minute).
    pub worst_minute: f64,
    /// Seconds from the stretch's start until success stayed at 99.9 % or
    /// more to its end; `None` when the last bucket was still below.
    pub recovered_after_s: Option<f64>,
    pub requests: u64,
    pub refused: u64,
    pub timed_out: u64,
    pub other: u64,
    pub heartbeat_p99_ms: f64,
}

/// Buckets read from the fleet every [`BUCKET`].
struct Timeline {
    started: Instant,
    last: FleetSnapshot,
    /// The fleet's counts when the timeline started.
    first: FleetSnapshot,
    buckets: Vec<Bucket>,
}

impl Timeline {
    fn new(now: FleetSnapshot) -> Self {
        Self { started: Instant::now(), first: now.clone(), last: now, buckets: Vec::new() }
    }

    fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Reads a bucket every [`BUCKET`] for `span`; fails if a service died.
    async fn follow(
        &mut self,
        fleet: &Fleet,
        services: &mut ServiceProcs,
        span: Duration,
    ) -> anyhow::Result<()> {
        let until = Instant::now() + span;
        while Instant::now() < until {
            let wait = until.saturating_duration_since(Instant::now()).min(BUCKET);
            tokio::time::sleep(wait).await;
            let dead = services.exited();
            anyhow::ensure!(dead.is_empty(), "a service died: {}", dead.join("; "));
            let now = fleet.snapshot();
            let bucket = bucket_between(&self.last, &now, self.elapsed());
            eprintln!(
                "  t={:>5.0}s  heartbeats {:>7} ok {:>6.2}%  refused {:>6}  timed out/cut {:>6}  other {:>4}  p99 {:>7.1} ms",
                bucket.end_s,
                bucket.heartbeats,
                100.0 * success(bucket.heartbeats_ok, bucket.heartbeats),
                bucket.refused,
                bucket.timed_out,
                bucket.other,
                bucket.heartbeat_p99_ms
            );
            self.buckets.push(bucket);
            self.last = now;
        }
        Ok(())
    }

    fn summary(&self, from_s: f64, to_s: f64) -> Summary {
        let picked: Vec<Bucket> =
            self.buckets.iter().filter(|b| b.end_s > from_s && b.end_s <= to_s).copied().collect();
        summarize(&picked, from_s)
    }

    fn render(&self, event_at: f64) -> String {
        let mut out = String::from(
            "| t after the event (s) | heartbeats | success | refused | timed out/cut | other | heartbeat p99 (ms) |\n|---|---|---|---|---|---|---|\n",
        );
        for b in &self.buckets {
            out.push_str(&format!(
                "| {:.0} | {} | {:.2} % | {} | {} | {} | {:.0} |\n",
                b.end_s - event_at,
                b.heartbeats,
                100.0 * success(b.heartbeats_ok, b.heartbeats),
                b.refused,
                b.timed_out,
                b.other,
                b.heartbeat_p99_ms
            ));
        }
        out
    }
}

fn success(ok: u64, all: u64) -> f64 {
    if all == 0 { 1.0 } else { ok as f64 / all as f64 }
}

/// The fleet's counts between two snapshots.
pub fn bucket_between(before: &FleetSnapshot, after: &FleetSnapshot, end_s: f64) -> Bucket {
    let mut b = Bucket {
        end_s,
        span_s: after.stats.elapsed_secs - before.stats.elapsed_secs,
        requests: after.stats.requests.saturating_sub(before.stats.requests),
        ..Bucket::default()
    };
    for (_, kind, n) in after.stats.errors_since(&before.stats) {
        match kind.as_str() {
            "503" | "429" => b.refused += n,
            "transport" => b.timed_out += n,
            _ => b.other += n,
        }
    }
    if let Some(w) = after.stats.window_since(&before.stats).into_iter().find(|w| w.endpoint == "heartbeat") {
        b.heartbeats = w.requests;
        b.heartbeats_ok = w.requests.saturating_sub(w.errors);
        b.heartbeat_p99_ms = w.p99_ms;
    }
    b
}

/// The gateway's poll-cache counters now (reset when the gateway restarts).
async fn cache_counters(services: &ServiceProcs) -> anyhow::Result<BTreeMap<String, f64>> {
    gateway_counters(services, "spot_gateway_cache_lookups_total").await
}

/// The samples of one of the gateway's metrics now.
async fn gateway_counters(services: &ServiceProcs, name: &str) -> anyhow::Result<BTreeMap<String, f64>> {
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    let url = format!("{}/metrics", services.gateway_url());
    scrape::scrape(&http, &url, name).await
}

/// Cache hits and misses (lifecycle lookups) between two scrapes.
fn cache_rows(report: &mut Report, start: &BTreeMap<String, f64>, end: &BTreeMap<String, f64>) {
    for kind in ["config", "pending_commands"] {
        for outcome in ["hit", "miss"] {
            let labels = format!("kind=\"{kind}\",outcome=\"{outcome}\"");
            let n = (scrape::value(end, &labels) - scrape::value(start, &labels)).max(0.0);
            report.add(&format!("cache.{kind}.{outcome}"), n, "lookups", "");
        }
    }
}

/// Folds buckets that started at `from_s` (pure, unit-tested).
pub fn summarize(buckets: &[Bucket], from_s: f64) -> Summary {
    let (mut hb, mut ok) = (0, 0);
    let mut s = Summary::default();
    for b in buckets {
        hb += b.heartbeats;
        ok += b.heartbeats_ok;
        s.requests += b.requests;
        s.refused += b.refused;
        s.timed_out += b.timed_out;
        s.other += b.other;
        s.heartbeat_p99_ms = s.heartbeat_p99_ms.max(b.heartbeat_p99_ms);
    }
    s.span_s = buckets.last().map_or(0.0, |b| b.end_s - from_s);
    s.success = success(ok, hb);
    let per_minute = (Duration::from_secs(60).as_secs_f64() / BUCKET.as_secs_f64()).round() as usize;
    s.worst_minute = buckets
        .windows(per_minute.min(buckets.len()).max(1))
        .map(|w| success(w.iter().map(|b| b.heartbeats_ok).sum(), w.iter().map(|b| b.heartbeats).sum()))
        .fold(1.0, f64::min);
    let below = buckets.iter().rposition(|b| success(b.heartbeats_ok, b.heartbeats) < RECOVERED);
    s.recovered_after_s = match below {
        None => Some(0.0),
        Some(i) if i + 1 == buckets.len() => None,
        Some(i) => Some(buckets[i].end_s - from_s),
    };
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(end_s: f64, heartbeats: u64, ok: u64) -> Bucket {
        Bucket { end_s, span_s: 10.0, heartbeats, heartbeats_ok: ok, ..Bucket::default() }
    }

    #[test]
    fn recovery_is_when_success_stays_high_and_the_worst_minute_is_a_sliding_window() {
        let mut buckets: Vec<Bucket> =
            (1..=12).map(|i| bucket(100.0 + 10.0 * i as f64, 1000, 1000)).collect();
        buckets[1].heartbeats_ok = 500;
        buckets[3].heartbeats_ok = 990;
        let s = summarize(&buckets, 100.0);
        assert_eq!(s.recovered_after_s, Some(40.0));
        assert_eq!(s.span_s, 120.0);
        // The worst six buckets hold both dips: (6000 - 500 - 10) / 6000.
        assert!((s.worst_minute - 5490.0 / 6000.0).abs() < 1e-9, "{}", s.worst_minute);
        assert!((s.success - 11_490.0 / 12_000.0).abs() < 1e-9);
    }

    #[test]
    fn never_below_is_recovered_at_once_and_a_low_last_bucket_is_not_recovered() {
        let fine: Vec<Bucket> = (1..=3).map(|i| bucket(10.0 * i as f64, 100, 100)).collect();
        assert_eq!(summarize(&fine, 0.0).recovered_after_s, Some(0.0));
        assert_eq!(summarize(&fine, 0.0).worst_minute, 1.0);
        let mut late = fine;
        late[2].heartbeats_ok = 10;
        assert_eq!(summarize(&late, 0.0).recovered_after_s, None);
        assert_eq!(summarize(&[], 0.0).recovered_after_s, Some(0.0));
    }
}
