//! `spotctl bench ingest`: the ingest path under a simulated v4 fleet at
//! default intervals, on this machine, with every service in its own process.
//!
//! 1. A throw-away database and a private nats-server; the five service
//!    binaries (next to this spotctl) as child processes.
//! 2. N simulated v4 agents (spot-fleet-sim, default cloud, real time)
//!    register over the ramp-up, then run for a warm-up and the measured
//!    window. In the window: per-endpoint rates, latency and errors; the
//!    lag from the gateway's receipt of a heartbeat to its row in
//!    `lifecycle.agents` for a sample of agents; CPU and peak RSS of every
//!    process; the gateway's cache counters.
//! 3. The fleet stops (silently); once lifecycle has caught up, heartbeats
//!    answered 2xx but never counted in lifecycle are the lost ones.
//! 4. Ceiling: the same closed-loop heartbeat load against the gateway and
//!    against a bare actix-web server with as many workers.

use super::Report;
use super::ceiling::{self, CeilingProc};
use super::lag;
use super::pgstats;
use super::procs::{self, ProcStats, ServiceProcs};
use super::sandbox::{self, BenchDatabase};
use super::saturate::{self, Target};
use super::scrape;
use super::storm::Storm;
use crate::simulate::{parse_duration, progress_line};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use spot_fleet_sim::fleet::{Fleet, FleetConfig, FleetSnapshot};
use spot_platform::Settings;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Sizes of a run.
#[derive(Debug, Clone, clap::Args)]
pub struct IngestArgs {
    /// Simulated v4 agents (one instance and one group each).
    #[arg(long, default_value_t = 10_000)]
    pub agents: usize,
    /// Measured window after ramp-up and warm-up, e.g. 3m.
    #[arg(long, default_value = "2m", value_parser = parse_duration)]
    pub duration: Duration,
    /// Tenants the agents are spread over.
    #[arg(long, default_value_t = 10)]
    pub tenants: usize,
    /// Seed of the fleet.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Registrations spread over this (default: 300 s, or 300 agents per second if longer). Under
    /// the 300 s pricing interval the window would see a lopsided request mix.
    #[arg(long, value_parser = parse_duration)]
    pub ramp_up: Option<Duration>,
    /// Steady running before the window opens.
    #[arg(long, default_value = "20s", value_parser = parse_duration)]
    pub warmup: Duration,
    /// Agents whose heartbeats are followed into lifecycle.
    #[arg(long, default_value_t = 500)]
    pub lag_sample: usize,
    /// Length of each closed-loop heartbeat run (gateway, then ceiling).
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    pub saturate: Duration,
    /// Connections of the closed-loop runs.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    /// Agent steps of the fleet doing HTTP at once.
    #[arg(long, default_value_t = 1024)]
    pub max_in_flight: usize,
    /// Directory of the spot-<service> binaries (default: next to this spotctl).
    #[arg(long)]
    pub bin_dir: Option<std::path::PathBuf>,
    /// A storm scenario instead of the steady window (docs/BENCHMARKS.md, "Storms"); `--duration`
    /// is then how long the run is watched after the event.
    #[arg(long, value_enum)]
    pub storm: Option<Storm>,
    /// Registrations per second of the cold start (`--storm cold`).
    #[arg(long, default_value_t = 1000.0)]
    pub register_rate: f64,
}

const LAG_POLL: Duration = Duration::from_millis(50);
const PG_SAMPLE: Duration = Duration::from_millis(100);
const HEARTBEAT_INTERVAL_MS: f64 = 30_000.0;

/// Everything measured at one moment, to subtract.
struct Mark {
    at: Instant,
    fleet: FleetSnapshot,
    services: Vec<(&'static str, ProcStats)>,
    postgres_cpu: f64,
    pg: pgstats::PgMark,
    nats_cpu: f64,
    own: ProcStats,
    machine: (f64, f64),
    cache: BTreeMap<String, f64>,
}

async fn mark(
    fleet: &Fleet,
    services: &ServiceProcs,
    nats_port: u16,
    http: &reqwest::Client,
    db: &DatabaseConnection,
) -> anyhow::Result<Mark> {
    let metrics = format!("{}/metrics", services.gateway_url());
    Ok(Mark {
        at: Instant::now(),
        fleet: fleet.snapshot(),
        services: services.stats(),
        postgres_cpu: procs::cpu_of_all("postgres"),
        pg: pgstats::mark(db).await?,
        nats_cpu: procs::find_pids("nats-server", &format!("-p {nats_port}"))
            .into_iter()
            .filter_map(procs::proc_stats)
            .map(|s| s.cpu_secs)
            .sum(),
        own: procs::proc_stats(std::process::id()).unwrap_or_default(),
        machine: procs::machine_ticks(),
        cache: scrape::scrape(http, &metrics, "spot_gateway_cache_lookups_total").await?,
    })
}

/// Runs the bench and returns the report.
pub async fn run(settings: &Settings, args: &IngestArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(args.agents > 0 && args.tenants > 0, "--agents and --tenants must be positive");
    if let Some(storm) = args.storm {
        return super::storm::run(settings, args, storm).await;
    }
    sandbox::with_services("ingest", settings, args.bin_dir.as_ref(), async |services, sandbox| {
        measure(services, &sandbox.db, sandbox.nats.port, &sandbox.admin, args).await
    })
    .await
}

pub(crate) fn fleet_config(args: &IngestArgs, base: &str, admin: &str) -> FleetConfig {
    let ramp = args.ramp_up.unwrap_or_else(|| Duration::from_secs((args.agents as u64 / 300).max(300)));
    FleetConfig {
        agents: args.agents,
        tenants: args.tenants,
        seed: args.seed,
        speed: 1.0,
        base_url: base.to_owned(),
        admin_token: Some(admin.to_owned()),
        tenant_name_prefix: "bench".to_owned(),
        ramp_up: ramp,
        max_in_flight: args.max_in_flight,
        connections: args.max_in_flight.min(256),
        ..FleetConfig::default()
    }
}

/// Runs the fleet for `span`, a progress line every ten seconds; fails if a service died.
pub(crate) async fn run_for(
    fleet: &Fleet,
    services: &mut ServiceProcs,
    agents: usize,
    span: Duration,
    what: &str,
) -> anyhow::Result<()> {
    let until = Instant::now() + span;
    let mut last = fleet.snapshot();
    while Instant::now() < until {
        tokio::time::sleep(until.saturating_duration_since(Instant::now()).min(Duration::from_secs(10)))
            .await;
        let dead = services.exited();
        anyhow::ensure!(dead.is_empty(), "a service died: {}", dead.join("; "));
        let now = fleet.snapshot();
        eprintln!("{}", progress_line(what, &last, &now, agents));
        last = now;
    }
    Ok(())
}

async fn measure(
    services: &mut ServiceProcs,
    bench_db: &BenchDatabase,
    nats_port: u16,
    admin: &str,
    args: &IngestArgs,
) -> anyhow::Result<Report> {
    let db = Database::connect(bench_db.url.as_str()).await?;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build()?;
    let config = fleet_config(args, &services.gateway_url(), admin);
    let ramp = config.ramp_up;
    let fleet = Fleet::start(config).await?;
    let tokens: HashMap<String, String> =
        fleet.tenants().iter().map(|t| (t.id.clone(), t.token.clone())).collect();
    eprintln!("bench ingest: {} agents registering over {:.0} s", args.agents, ramp.as_secs_f64());
    run_for(&fleet, services, args.agents, ramp + args.warmup, "ramp-up").await?;
    // Fresh planner statistics for the grown tables, as autovacuum would
    // gather them on a default server (a dev server may run without it).
    db.execute_unprepared("ANALYZE").await?;

    // The window.
    let sample = lag::sample_agents(&db, args.lag_sample).await?;
    let stop_lag = CancellationToken::new();
    let sampler = tokio::spawn(lag::sample(db.clone(), sample.clone(), LAG_POLL, stop_lag.clone()));
    let profiler = tokio::spawn(pgstats::sample_active(db.clone(), PG_SAMPLE, stop_lag.clone()));
    let start = mark(&fleet, services, nats_port, &http, &db).await?;
    run_for(&fleet, services, args.agents, args.duration, "window").await?;
    let end = mark(&fleet, services, nats_port, &http, &db).await?;
    stop_lag.cancel();
    let lags = sampler.await?;
    let profile = profiler.await?;
    eprintln!("bench ingest: statements running in Postgres (share of {PG_SAMPLE:?} samples):");
    for (query, share) in pgstats::top(&profile, 8) {
        eprintln!("  {:>5.1}%  {query}", share * 100.0);
    }

    // Silence, then count what lifecycle never saw.
    let last = fleet.shutdown(false).await?;
    let answered = heartbeats_answered(&last);
    let counted = settle_heartbeat_count(&db).await?;

    let mut report = Report::new("ingest");
    report.add("agents", args.agents as f64, "agents", "");
    report.add("agents_online", end.fleet.stats.agents_online as f64, "agents", "");
    report.add("window", end.at.duration_since(start.at).as_secs_f64(), "s", "");
    if let Some(r) = start.fleet.stats.endpoints.iter().find(|e| e.endpoint == "register") {
        // Ramp-up and warm-up: every initial registration.
        report.add("ramp.register_avg_rps", r.rps, "req/s", "");
        report.add("ramp.register_p99_ms", r.p99_ms, "ms", "");
        report.add("ramp.register_errors", r.errors as f64, "requests", "0");
    }
    fleet_rows(&mut report, &start.fleet, &end.fleet);
    lag_rows(&mut report, &lags, answered, counted, sample.len());
    cache_rows(&mut report, &start.cache, &end.cache);
    let requests = end.fleet.stats.requests.saturating_sub(start.fleet.stats.requests);
    resource_rows(&mut report, &start, &end, requests);

    // The ceiling.
    let targets = Arc::new(heartbeat_targets(&db, &tokens).await?);
    let gateway_before = services.stats();
    let gateway =
        saturate::run(&services.gateway_url(), targets.clone(), args.concurrency, args.saturate).await?;
    let gateway_cpu = cpu_delta(&gateway_before, &services.stats(), "gateway");
    let workers = ceiling::default_workers();
    let server = CeilingProc::start(workers).await?;
    let ceiling_before = procs::proc_stats(server.pid).unwrap_or_default();
    let bare = saturate::run(&server.url(), targets, args.concurrency, args.saturate).await;
    let ceiling_cpu = procs::proc_stats(server.pid).unwrap_or_default().cpu_secs - ceiling_before.cpu_secs;
    server.stop().await;
    let bare = bare?;
    saturation_rows(&mut report, &gateway, gateway_cpu, &bare, ceiling_cpu, workers, args.saturate);
    db.close().await?;
    Ok(report)
}

fn heartbeats_answered(s: &FleetSnapshot) -> u64 {
    s.stats.endpoints.iter().find(|e| e.endpoint == "heartbeat").map_or(0, |e| e.requests - e.errors)
}

/// Waits until lifecycle's total heartbeat count stops growing (consumers caught up).
async fn settle_heartbeat_count(db: &DatabaseConnection) -> anyhow::Result<u64> {
    let sum = || async {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT COALESCE(sum(heartbeat_count), 0)::bigint FROM lifecycle.agents",
            ))
            .await?;
        Ok::<u64, anyhow::Error>(row.map_or(Ok(0), |r| r.try_get_by_index::<i64>(0))?.max(0) as u64)
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    let (mut last, mut stable_since) = (sum().await?, Instant::now());
    while Instant::now() < deadline && stable_since.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = sum().await?;
        if now != last {
            (last, stable_since) = (now, Instant::now());
        }
    }
    Ok(last)
}

/// Per endpoint over the window: rate, latency quantiles, errors by status.
fn fleet_rows(report: &mut Report, start: &FleetSnapshot, end: &FleetSnapshot) {
    let secs = (end.stats.elapsed_secs - start.stats.elapsed_secs).max(1e-9);
    let mut worst_p99: f64 = 0.0;
    let mut errors = 0;
    for w in end.stats.window_since(&start.stats).into_iter().filter(|w| w.rps > 0.0) {
        let name = w.endpoint;
        report.add(&format!("{name}.rps"), w.rps, "req/s", "");
        report.add(&format!("{name}.p50_ms"), w.p50_ms, "ms", "");
        report.add(&format!("{name}.p99_ms"), w.p99_ms, "ms", "< 50");
        report.add(&format!("{name}.p999_ms"), w.p999_ms, "ms", "");
        report.add(&format!("{name}.errors"), w.errors as f64, "requests", "0");
        worst_p99 = worst_p99.max(w.p99_ms);
        errors += w.errors;
    }
    for (name, kind, n) in end.stats.errors_since(&start.stats) {
        report.add(&format!("{name}.errors.{kind}"), n as f64, "requests", "");
    }
    let requests = end.stats.requests.saturating_sub(start.stats.requests);
    report.add("requests.rps", requests as f64 / secs, "req/s", "12000");
    report.add("requests.errors", errors as f64, "requests", "0");
    report.add("http.worst_p99_ms", worst_p99, "ms", "< 50");
    report.add("loadgen.schedule_lag_p99_ms", end.stats.schedule_lag_p99_ms, "ms", "");
    let c = (&end.cloud, &start.cloud);
    report.add("interruptions", c.0.interruptions.saturating_sub(c.1.interruptions) as f64, "notices", "");
    let switches = end.stats.switches_completed.saturating_sub(start.stats.switches_completed);
    report.add("switches", switches as f64, "switches", "");
}

fn lag_rows(report: &mut Report, lags: &lag::LagSamples, answered: u64, counted: u64, sampled: usize) {
    let late = lags.lags_ms.iter().filter(|&&l| l > HEARTBEAT_INTERVAL_MS).count();
    let late_share = if lags.lags_ms.is_empty() { 0.0 } else { late as f64 / lags.lags_ms.len() as f64 };
    let lost = answered.saturating_sub(counted);
    let lost_share = if answered == 0 { 0.0 } else { lost as f64 / answered as f64 };
    report.add("heartbeat.lag_agents", sampled as f64, "agents", "");
    report.add("heartbeat.lag_samples", lags.lags_ms.len() as f64, "heartbeats", "");
    report.add("heartbeat.lag_p50_ms", lag::quantile(&lags.lags_ms, 0.5), "ms", "");
    report.add("heartbeat.lag_p99_ms", lag::quantile(&lags.lags_ms, 0.99), "ms", "< 1000");
    report.add("heartbeat.lag_max_ms", lag::quantile(&lags.lags_ms, 1.0), "ms", "");
    report.add("heartbeat.lag_poll_ms", LAG_POLL.as_secs_f64() * 1000.0, "ms", "");
    report.add("heartbeat.answered_2xx", answered as f64, "heartbeats", "");
    report.add("heartbeat.lost", lost as f64, "heartbeats", "0");
    report.add("heartbeat.late_share", late_share, "ratio", "");
    report.add("heartbeat.miss_rate", lost_share + late_share, "ratio", "< 0.001");
}

fn cache_rows(report: &mut Report, start: &BTreeMap<String, f64>, end: &BTreeMap<String, f64>) {
    let mut polls = 0.0;
    let mut misses = 0.0;
    for kind in ["config", "pending_commands"] {
        for outcome in ["hit", "miss"] {
            let labels = format!("kind=\"{kind}\",outcome=\"{outcome}\"");
            let n = scrape::value(end, &labels) - scrape::value(start, &labels);
            report.add(&format!("cache.{kind}.{outcome}"), n, "lookups", "");
            polls += n;
            if outcome == "miss" {
                misses += n;
            }
        }
    }
    let per_poll = if polls > 0.0 { misses / polls } else { 0.0 };
    report.add("cache.db_lookups_per_poll", per_poll, "ratio", "0");
}

fn cpu_delta(before: &[(&str, ProcStats)], after: &[(&str, ProcStats)], name: &str) -> f64 {
    let get = |v: &[(&str, ProcStats)]| v.iter().find(|(n, _)| *n == name).map_or(0.0, |(_, s)| s.cpu_secs);
    get(after) - get(before)
}

fn resource_rows(report: &mut Report, start: &Mark, end: &Mark, requests: u64) {
    let secs = end.at.duration_since(start.at).as_secs_f64().max(1e-9);
    let mut services_cpu = 0.0;
    for (name, stats) in &end.services {
        let cpu = cpu_delta(&start.services, &end.services, name);
        services_cpu += cpu;
        let target = if matches!(*name, "gateway" | "lifecycle") { "< 300" } else { "" };
        report.add(&format!("{name}.cpu_s"), cpu, "s", "");
        report.add(&format!("{name}.cpu_pct"), 100.0 * cpu / secs, "%", "");
        report.add(&format!("{name}.peak_rss_mib"), stats.peak_rss_mib, "MiB", target);
    }
    let pg = pgstats::window(&start.pg, &end.pg);
    eprintln!(
        "bench ingest: tables and indexes by rows read in the window (scans, rows by seq scan, index entries):"
    );
    for (table, scans, seq_rows, idx_rows) in pgstats::table_reads(&start.pg, &end.pg, 12) {
        eprintln!("  {table:<50} {scans:>8} {seq_rows:>12} {idx_rows:>12}");
    }
    let postgres = pg.cpu_secs;
    report.add("postgres_all.cpu_s", end.postgres_cpu - start.postgres_cpu, "s", "");
    report.add("postgres.commits_per_s", pg.commits as f64 / secs, "xact/s", "");
    report.add("postgres.rows_inserted_per_s", pg.inserted as f64 / secs, "rows/s", "");
    report.add("postgres.rows_updated_per_s", pg.updated as f64 / secs, "rows/s", "");
    report.add("postgres.rows_fetched_per_s", pg.fetched as f64 / secs, "rows/s", "");
    let nats = end.nats_cpu - start.nats_cpu;
    let own = end.own.cpu_secs - start.own.cpu_secs;
    report.add("postgres.cpu_s", postgres, "s", "");
    report.add("nats.cpu_s", nats, "s", "");
    report.add("loadgen.cpu_s", own, "s", "");
    report.add("loadgen.peak_rss_mib", end.own.peak_rss_mib, "MiB", "");
    let (busy, total) = (end.machine.0 - start.machine.0, end.machine.1 - start.machine.1);
    report.add("machine.busy_pct", if total > 0.0 { 100.0 * busy / total } else { 0.0 }, "%", "");
    let per = |cpu: f64| if requests == 0 { 0.0 } else { 1000.0 * cpu / requests as f64 };
    report.add("services.cpu_ms_per_request", per(services_cpu), "ms", "");
    report.add("backend.cpu_ms_per_request", per(services_cpu + postgres + nats), "ms", "");
}

/// Up to 2,000 registered agents with their tenant's token and a v4 heartbeat body.
async fn heartbeat_targets(
    db: &DatabaseConnection,
    tokens: &HashMap<String, String>,
) -> anyhow::Result<Vec<Target>> {
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT agent_id::text AS agent_id, client_id::text AS client_id, instance_id, instance_type, az, mode
             FROM lifecycle.agents ORDER BY agent_id LIMIT 2000",
        ))
        .await?;
    let mut targets = Vec::with_capacity(rows.len());
    for r in rows {
        let text = |c: &str| r.try_get::<String>("", c).unwrap_or_default();
        let Some(token) = tokens.get(&text("client_id")) else { continue };
        let body = serde_json::json!({"status": "online", "monitored_instances": [text("instance_id")],
            "instance_id": text("instance_id"), "instance_type": text("instance_type"),
            "mode": text("mode"), "az": text("az")});
        targets.push(Target {
            token: token.clone(),
            path: format!("/api/agents/{}/heartbeat", text("agent_id")),
            body: body.to_string().into(),
        });
    }
    Ok(targets)
}

fn saturation_rows(
    report: &mut Report,
    gateway: &saturate::Saturation,
    gateway_cpu: f64,
    bare: &saturate::Saturation,
    bare_cpu: f64,
    workers: usize,
    span: Duration,
) {
    let secs = span.as_secs_f64().max(1e-9);
    report.add("ceiling.workers", workers as f64, "workers", "");
    report.add("gateway.heartbeat_max_rps", gateway.ok_rps, "req/s", "");
    report.add("gateway.heartbeat_max_p99_ms", gateway.p99_ms, "ms", "");
    report.add("gateway.heartbeat_max_errors", gateway.errors.values().sum::<u64>() as f64, "requests", "0");
    report.add("gateway.heartbeat_max_cpu_pct", 100.0 * gateway_cpu / secs, "%", "");
    report.add("ceiling.heartbeat_max_rps", bare.ok_rps, "req/s", "");
    report.add("ceiling.heartbeat_max_p99_ms", bare.p99_ms, "ms", "");
    report.add("ceiling.heartbeat_max_cpu_pct", 100.0 * bare_cpu / secs, "%", "");
    let fraction = if bare.ok_rps > 0.0 { gateway.ok_rps / bare.ok_rps } else { 0.0 };
    report.add("gateway.fraction_of_ceiling", fraction, "ratio", ">= 0.5");
}
