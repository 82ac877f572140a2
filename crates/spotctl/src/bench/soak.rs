//! `spotctl bench soak`: the five service binaries under a steady simulated
//! v4 fleet for a long time (default 20,000 agents for 1 h), sampled every
//! minute: resident memory of every process and the live heap it reports
//! (`spot_platform::heap`), the gateway's cache sizes, each service's Postgres and
//! NATS connections, and the minute's heartbeat latency. Judged after the
//! warm-up (the first quarter of the run): memory grows less than 5 %,
//! connection counts do not grow, the latency does not rise.

use super::Report;
use super::procs::{self, ServiceProcs};
use super::sandbox;
use super::scrape;
use super::sockets;
use crate::simulate::parse_duration;
use spot_fleet_sim::fleet::{Fleet, FleetConfig};
use spot_platform::Settings;
use std::time::{Duration, Instant};

/// Sizes of a run.
#[derive(Debug, Clone, clap::Args)]
pub struct SoakArgs {
    /// Simulated v4 agents.
    #[arg(long, default_value_t = 20_000)]
    pub agents: usize,
    /// Length of the steady run after the ramp-up, e.g. 1h.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    pub duration: Duration,
    /// Time between samples.
    #[arg(long, default_value = "1m", value_parser = parse_duration)]
    pub sample: Duration,
    /// Seed of the fleet.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory of the spot-<service> binaries (default: next to this spotctl).
    #[arg(long)]
    pub bin_dir: Option<std::path::PathBuf>,
}

/// One sample of one service.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ServiceSample {
    pub rss_mib: f64,
    /// Heap and stacks: a step here is the program's, a step in the rest
    /// of the RSS is file pages (docs/BENCHMARKS.md, "Soak").
    pub rss_anon_mib: f64,
    pub threads: f64,
    /// The live heap the service itself reports (`spot_process_heap_allocated_bytes`):
    /// what its program holds, without what the allocator keeps.
    pub heap_mib: f64,
    pub db_connections: usize,
    pub nats_connections: usize,
}

/// One minute.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    pub minute: usize,
    pub services: Vec<(&'static str, ServiceSample)>,
    pub heartbeat_p99_ms: f64,
    pub heartbeat_errors: u64,
    /// Agents in the gateway's caches (`spot_gateway_cached_agents`), by kind.
    pub gateway_cached: Vec<(String, f64)>,
}

/// Verdict over the samples after warm-up, per service and overall.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    pub service: &'static str,
    /// Last sample's RSS over the first post-warm-up sample's, minus 1 (0.03 = 3 %).
    pub rss_growth: f64,
    /// The same over the second half of the steady samples only: a periodic
    /// job's working set shows once as a step, a leak keeps growing here too.
    pub rss_growth_late: f64,
    /// The live heap's growth over the same samples as `rss_growth`.
    pub heap_growth: f64,
    pub db_connections_first: usize,
    pub db_connections_max: usize,
    pub nats_connections_first: usize,
    pub nats_connections_max: usize,
}

/// The first quarter of the samples is warm-up.
pub fn after_warmup(samples: &[Sample]) -> &[Sample] {
    &samples[samples.len() / 4..]
}

/// Per-service trends over the samples after warm-up.
pub fn trends(samples: &[Sample]) -> Vec<Trend> {
    let steady = after_warmup(samples);
    let (Some(first), Some(last)) = (steady.first(), steady.last()) else { return Vec::new() };
    first
        .services
        .iter()
        .map(|(name, f)| {
            let of =
                |s: &Sample| s.services.iter().find(|(n, _)| n == name).map(|(_, x)| *x).unwrap_or_default();
            let l = of(last);
            let growth = |from: f64, to: f64| if from > 0.0 { to / from - 1.0 } else { 0.0 };
            let middle = of(&steady[steady.len() / 2]);
            Trend {
                service: name,
                rss_growth: growth(f.rss_mib, l.rss_mib),
                rss_growth_late: growth(middle.rss_mib, l.rss_mib),
                heap_growth: growth(f.heap_mib, l.heap_mib),
                db_connections_first: f.db_connections,
                db_connections_max: steady.iter().map(|s| of(s).db_connections).max().unwrap_or(0),
                nats_connections_first: f.nats_connections,
                nats_connections_max: steady.iter().map(|s| of(s).nats_connections).max().unwrap_or(0),
            }
        })
        .collect()
}

/// Heartbeat p99 of the last third of the steady samples over the first third's (median of each).
pub fn latency_ratio(samples: &[Sample]) -> f64 {
    let steady = after_warmup(samples);
    let third = (steady.len() / 3).max(1);
    let median = |s: &[Sample]| {
        let mut v: Vec<f64> = s.iter().map(|x| x.heartbeat_p99_ms).collect();
        v.sort_by(f64::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    if steady.len() < 2 {
        return 1.0;
    }
    let (head, tail) = (median(&steady[..third]), median(&steady[steady.len() - third..]));
    if head > 0.0 { tail / head } else { 1.0 }
}

/// Runs the bench.
pub async fn run(settings: &Settings, args: &SoakArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(
        args.agents > 0 && args.sample > Duration::ZERO,
        "--agents and --sample must be positive"
    );
    sandbox::with_services("soak", settings, args.bin_dir.as_ref(), async |services, sandbox| {
        let db_port = database_port(&sandbox.db.url);
        let autovacuum = autovacuum_on(&sandbox.db.url).await?;
        let mut report = soak(services, &sandbox.admin, args, db_port, sandbox.nats.port).await?;
        // The server's setting, not ours: without autovacuum the tables the
        // hour writes are never vacuumed, which a reader of the figures must know.
        report.add("postgres.autovacuum_on", if autovacuum { 1.0 } else { 0.0 }, "bool", "");
        Ok(report)
    })
    .await
}

async fn autovacuum_on(url: &str) -> anyhow::Result<bool> {
    let db = sea_orm::Database::connect(url).await?;
    let on = crate::sql::count(
        &db,
        "SELECT count(*) FROM pg_settings WHERE name = 'autovacuum' AND setting = 'on'",
    )
    .await?;
    db.close().await?;
    Ok(on == 1)
}

fn database_port(url: &str) -> u16 {
    let host = url.split('@').nth(1).unwrap_or(url);
    let hostport = host.split('/').next().unwrap_or(host);
    hostport.rsplit_once(':').and_then(|(_, p)| p.parse().ok()).unwrap_or(5432)
}

async fn soak(
    services: &mut ServiceProcs,
    admin: &str,
    args: &SoakArgs,
    db_port: u16,
    nats_port: u16,
) -> anyhow::Result<Report> {
    let ramp = Duration::from_secs((args.agents as u64 / 300).max(60));
    let fleet = Fleet::start(FleetConfig {
        agents: args.agents,
        tenants: 10,
        seed: args.seed,
        base_url: services.gateway_url(),
        admin_token: Some(admin.to_owned()),
        tenant_name_prefix: "soak".to_owned(),
        ramp_up: ramp,
        max_in_flight: 1024,
        connections: 256,
        request_timeout: Duration::from_secs(10),
        ..FleetConfig::default()
    })
    .await?;
    eprintln!("bench soak: {} agents registering over {:.0} s", args.agents, ramp.as_secs_f64());
    tokio::time::sleep(ramp).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(5)).build()?;
    let until = Instant::now() + args.duration;
    let mut samples = Vec::new();
    let mut last = fleet.snapshot().stats;
    while Instant::now() < until {
        tokio::time::sleep(args.sample.min(until.saturating_duration_since(Instant::now()))).await;
        let dead = services.exited();
        anyhow::ensure!(dead.is_empty(), "a service died: {}", dead.join("; "));
        let now = fleet.snapshot().stats;
        let hb = now.window_since(&last).into_iter().find(|w| w.endpoint == "heartbeat");
        let mut per_service = Vec::with_capacity(services.procs.len());
        for p in &services.procs {
            let stats = procs::proc_stats(p.pid).unwrap_or_default();
            let heap = scrape::scrape(&http, &metrics_url(p), "spot_process_heap_allocated_bytes").await;
            let s = ServiceSample {
                rss_mib: stats.rss_mib,
                rss_anon_mib: stats.rss_anon_mib,
                threads: stats.threads,
                heap_mib: heap.map_or(0.0, |h| scrape::value(&h, "") / MIB),
                db_connections: sockets::connections_to(p.pid, db_port),
                nats_connections: sockets::connections_to(p.pid, nats_port),
            };
            per_service.push((p.name, s));
        }
        let gateway_cached = match services.get("gateway") {
            Some(g) => scrape::scrape(&http, &metrics_url(g), "spot_gateway_cached_agents")
                .await
                .map(|m| m.into_iter().collect())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let sample = Sample {
            minute: samples.len() + 1,
            services: per_service,
            heartbeat_p99_ms: hb.as_ref().map_or(0.0, |w| w.p99_ms),
            heartbeat_errors: hb.as_ref().map_or(0, |w| w.errors),
            gateway_cached,
        };
        eprintln!("{}", sample_line(&sample));
        samples.push(sample);
        last = now;
    }
    let _ = fleet.shutdown(false).await?;
    Ok(report(args, &samples))
}

const MIB: f64 = 1024.0 * 1024.0;

fn metrics_url(p: &procs::ServiceProc) -> String {
    format!("http://{}/metrics", p.http_addr)
}

fn sample_line(s: &Sample) -> String {
    let per: Vec<String> = s
        .services
        .iter()
        .map(|(n, x)| {
            format!(
                "{n} {:.0} MiB (anon {:.0}, heap {:.1}, {:.0} threads) db {} nats {}",
                x.rss_mib, x.rss_anon_mib, x.heap_mib, x.threads, x.db_connections, x.nats_connections
            )
        })
        .collect();
    let cached: Vec<String> = s.gateway_cached.iter().map(|(k, v)| format!("{k} {v:.0}")).collect();
    format!(
        "soak minute {}: heartbeat p99 {:.1} ms, {} errors | {} | gateway cache: {}",
        s.minute,
        s.heartbeat_p99_ms,
        s.heartbeat_errors,
        per.join(" | "),
        cached.join(", ")
    )
}

fn report(args: &SoakArgs, samples: &[Sample]) -> Report {
    let mut r = Report::new("soak");
    r.add("agents", args.agents as f64, "agents", "");
    r.add("samples", samples.len() as f64, "samples", "");
    r.add("warmup_samples", (samples.len() / 4) as f64, "samples", "");
    for t in trends(samples) {
        let k = |m: &str| format!("{}.{m}", t.service);
        r.add(&k("rss_growth_pct"), 100.0 * t.rss_growth, "%", "< 5");
        r.add(&k("rss_growth_second_half_pct"), 100.0 * t.rss_growth_late, "%", "");
        r.add(&k("heap_growth_pct"), 100.0 * t.heap_growth, "%", "");
        r.add(&k("db_connections_first"), t.db_connections_first as f64, "conns", "");
        r.add(&k("db_connections_max"), t.db_connections_max as f64, "conns", "<= pool size");
        r.add(&k("nats_connections_first"), t.nats_connections_first as f64, "conns", "");
        r.add(&k("nats_connections_max"), t.nats_connections_max as f64, "conns", "= first");
    }
    if let Some(last) = samples.last() {
        for (name, s) in &last.services {
            r.add(&format!("{name}.rss_last_mib"), s.rss_mib, "MiB", "");
            r.add(&format!("{name}.rss_anon_last_mib"), s.rss_anon_mib, "MiB", "");
            r.add(&format!("{name}.threads_last"), s.threads, "threads", "");
            r.add(&format!("{name}.heap_last_mib"), s.heap_mib, "MiB", "");
        }
    }
    r.add("heartbeat.p99_late_over_early", latency_ratio(samples), "ratio", "<= 1.2");
    let p99s: Vec<f64> = after_warmup(samples).iter().map(|s| s.heartbeat_p99_ms).collect();
    r.add("heartbeat.p99_worst_minute_ms", p99s.iter().copied().fold(0.0, f64::max), "ms", "");
    r.add(
        "heartbeat.errors",
        samples.iter().map(|s| s.heartbeat_errors).sum::<u64>() as f64,
        "requests",
        "0",
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(minute: usize, rss: f64, db: usize, p99: f64) -> Sample {
        Sample {
            minute,
            services: vec![(
                "gateway",
                ServiceSample {
                    rss_mib: rss,
                    heap_mib: rss / 2.0,
                    db_connections: db,
                    nats_connections: 1,
                    ..ServiceSample::default()
                },
            )],
            heartbeat_p99_ms: p99,
            heartbeat_errors: 0,
            gateway_cached: Vec::new(),
        }
    }

    #[test]
    fn growth_is_measured_after_the_warm_up_quarter() {
        // Minutes 1-2 are warm-up (memory climbing); 3..8 are steady with 2 % growth.
        let rss = [50.0, 90.0, 100.0, 100.0, 101.0, 101.0, 102.0, 102.0];
        let samples: Vec<Sample> = rss.iter().enumerate().map(|(i, r)| sample(i + 1, *r, 8, 10.0)).collect();
        let t = &trends(&samples)[0];
        assert!((t.rss_growth - 0.02).abs() < 1e-9, "{t:?}");
        assert!((t.heap_growth - 0.02).abs() < 1e-9, "{t:?}");
        // Steady samples 100..102; the middle one (index 3 of 6) is 101.
        assert!((t.rss_growth_late - (102.0 / 101.0 - 1.0)).abs() < 1e-9, "{t:?}");
        assert_eq!((t.db_connections_first, t.db_connections_max), (8, 8));
        assert!((latency_ratio(&samples) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn rising_latency_and_growing_connections_show() {
        let samples: Vec<Sample> = (1..=12).map(|m| sample(m, 100.0, 8 + m, 10.0 * m as f64)).collect();
        let t = &trends(&samples)[0];
        assert_eq!((t.db_connections_first, t.db_connections_max), (12, 20));
        assert!(latency_ratio(&samples) > 2.0);
        assert_eq!(database_port("postgres://postgres@127.0.0.1:5433/spot_bench_x"), 5433);
        assert_eq!(database_port("postgres://postgres@localhost/db"), 5432);
    }
}
