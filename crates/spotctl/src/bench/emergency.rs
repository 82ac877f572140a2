//! `spotctl bench emergency`: the interruption targets, measured on the
//! whole stack in this process (private database and nats-server).
//!
//! 1. N agents register (one group each, instances spread over four AZs of
//!    one region) and heartbeat every 30 s in the background all along.
//! 2. Steady notices: a few hundred termination notices, 20 per second,
//!    from groups of AZ d, each repeated as v4 does (every 5 s): first and
//!    repeat answer latency under background load, and the gRPC calls the
//!    emergency service made to lifecycle per first notice and per repeat
//!    (its `spot_emergency_lifecycle_calls_total` counter).
//! 3. Mass interruption with faithful v4 agents (bench/emergency_fleet.rs):
//!    a simulated fleet loses AZ a at once while the heartbeats go on.

use super::Report;
use super::sandbox::BenchDatabase;
use chrono::Utc;
use futures::StreamExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};
use spot_platform::{Settings, Shutdown};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::{Duration, Instant};

/// Sizes of a run.
#[derive(Debug, Clone, clap::Args)]
pub struct EmergencyArgs {
    /// Agents online (each its own group).
    #[arg(long, default_value_t = 10_000)]
    pub agents: usize,
    /// Notices of the mass interruption (all in one AZ, within one second).
    #[arg(long, default_value_t = 1_000)]
    pub notices: usize,
    /// Notices of the steady phase (20 per second).
    #[arg(long, default_value_t = 200)]
    pub steady: usize,
    /// Shortest and longest simulated boot of an emergency replica, seconds.
    #[arg(long, default_value_t = 30)]
    pub boot_min: u64,
    #[arg(long, default_value_t = 90)]
    pub boot_max: u64,
    /// Seed of the boot times and of the simulated fleet.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Simulated v4 agents for the mass interruption (a third sit in the
    /// reclaimed AZ; 3000 gives about 1000 noticed groups). 0 skips it.
    #[arg(long, default_value_t = 3_000)]
    pub fleet_agents: usize,
    /// Speed of the simulated fleet (1 keeps notice deadlines real).
    #[arg(long, default_value_t = 1.0)]
    pub fleet_speed: f64,
    /// Repeats of each steady notice (v4 re-sends every 5 s).
    #[arg(long, default_value_t = 3)]
    pub repeats: usize,
}

const AZS: [&str; 4] = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"];

fn instance(i: usize) -> String {
    format!("i-{i:08x}")
}

fn pct(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Client {
    async fn post(&self, path: &str, body: &Value) -> anyhow::Result<(u16, Value)> {
        let r =
            self.http.post(format!("{}{path}", self.base)).bearer_auth(&self.token).json(body).send().await?;
        let status = r.status().as_u16();
        let text = r.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::String(text))))
    }
}

/// Runs the bench and returns the report.
pub async fn run(settings: &Settings, args: &EmergencyArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(args.notices + args.steady <= args.agents, "--agents must cover --notices + --steady");
    anyhow::ensure!(args.boot_min <= args.boot_max, "--boot-min must not exceed --boot-max");
    let bench_db = BenchDatabase::create(settings.database_url.expose()).await?;
    let nats = spot_testkit::TestNats::start().await?;
    // Five services share Postgres' 100 connections: keep every pool at 16 or less.
    let mut stack_settings = spot_testkit::settings_at(&bench_db.url, &nats.url)?;
    stack_settings.database_max_connections = settings.database_max_connections.min(16);
    let shutdown = Shutdown::new();
    let stack = crate::stack::Stack::start(&stack_settings, shutdown.clone()).await?;
    let db = Database::connect(bench_db.url.as_str()).await?;
    let outcome = measure(&stack, &db, args).await;
    stack.stop(Duration::from_secs(5)).await;
    db.close().await?;
    drop(nats);
    bench_db.drop().await?;
    outcome
}

async fn measure(
    stack: &crate::stack::Stack,
    db: &DatabaseConnection,
    args: &EmergencyArgs,
) -> anyhow::Result<Report> {
    let base = stack.gateway_url();
    let tenant = crate::admin::create_tenant(&base, "test-admin-token", "bench", "bench@example.com").await?;
    let http =
        // Idle connections are dropped before the gateway's 5 s keep-alive
        // closes them, so no request races a closing connection.
        reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .pool_idle_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(30))
            .build()?;
    let client = Arc::new(Client { http, base, token: tenant.token });
    let mut report = Report::new("emergency");

    // 1. Register the fleet (one group per agent), 64 at a time.
    let started = Instant::now();
    let agents: Vec<String> = futures::stream::iter(0..args.agents)
        .map(|i| {
            let client = client.clone();
            async move {
                let body = json!({"instance_id": instance(i), "instance_type": "t3.medium", "region": "us-east-1",
                    "az": AZS[i % 4], "ami_id": "ami-1", "agent_version": "4.0.0", "logical_agent_id": format!("g-{i}"),
                    "mode": "spot", "hostname": "sim", "private_ip": "10.0.0.1", "public_ip": null});
                let (status, answer) = client.post("/api/agents/register", &body).await?;
                anyhow::ensure!(status == 200, "register answered {status}: {answer}");
                Ok::<_, anyhow::Error>(answer["agent_id"].as_str().unwrap_or_default().to_owned())
            }
        })
        .buffered(64)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    eprintln!(
        "bench emergency: {} agents registered in {:.1} s",
        agents.len(),
        started.elapsed().as_secs_f64()
    );
    report.add("agents", agents.len() as f64, "agents", "10000");

    // Boot history, so pool choice has data: 1b fastest, then 1c; 1a is reclaimed.
    db.execute_unprepared(
        "INSERT INTO emergency.boot_samples (sample_key, pool_id, seconds, source)
         SELECT 'bench-' || az || '-' || n, 't3.medium.' || az, s + n, 'bench'
         FROM (VALUES ('us-east-1b', 35), ('us-east-1c', 50), ('us-east-1d', 60)) p(az, s), generate_series(1, 5) n",
    )
    .await?;

    let steady: Vec<usize> = (0..args.agents).filter(|i| i % 4 == 3).take(args.steady).collect();
    anyhow::ensure!(steady.len() == args.steady, "not enough agents in AZ d");

    // Background heartbeats (every agent every 30 s).
    let stop = Arc::new(AtomicBool::new(false));
    let heartbeat_errors = Arc::new(AtomicI64::new(0));
    let heartbeats =
        tokio::spawn(heartbeat_load(client.clone(), agents.clone(), stop.clone(), heartbeat_errors.clone()));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let metrics = format!("http://{}/metrics", stack.emergency.http_addr);
    let rpcs = || async {
        let s = super::scrape::scrape(&client.http, &metrics, "spot_emergency_lifecycle_calls_total").await?;
        Ok::<f64, anyhow::Error>(s.values().sum())
    };

    // 2. Steady notices, one every 50 ms, then their repeats.
    let before = rpcs().await?;
    let plan = steady.iter().copied().enumerate();
    let (mut first_latency, instructions) = paced_notices(&client, &agents, plan, 50).await?;
    let after_first = rpcs().await?;
    let plan = (0..args.repeats).flat_map(|r| {
        let n = steady.len();
        steady.iter().enumerate().map(move |(k, &i)| (r * n + k, i))
    });
    let (mut repeat_latency, repeated_truthy) = paced_notices(&client, &agents, plan, 10).await?;
    let after_repeats = rpcs().await?;
    first_latency.sort_by(f64::total_cmp);
    repeat_latency.sort_by(f64::total_cmp);
    let all: Vec<f64> = {
        let mut v = [first_latency.clone(), repeat_latency.clone()].concat();
        v.sort_by(f64::total_cmp);
        v
    };
    report.add("steady.notices", first_latency.len() as f64, "notices", "");
    report.add("steady.first_p50_ms", pct(&first_latency, 0.5), "ms", "");
    report.add("steady.first_p99_ms", pct(&first_latency, 0.99), "ms", "< 20");
    report.add("steady.repeats", repeat_latency.len() as f64, "calls", "");
    report.add("steady.repeat_p50_ms", pct(&repeat_latency, 0.5), "ms", "");
    report.add("steady.repeat_p99_ms", pct(&repeat_latency, 0.99), "ms", "< 20");
    report.add("steady.termination_imminent_p99_ms", pct(&all, 0.99), "ms", "< 20");
    report.add(
        "steady.lifecycle_rpcs_per_first_notice",
        (after_first - before) / first_latency.len().max(1) as f64,
        "calls",
        "<= 1",
    );
    report.add(
        "steady.lifecycle_rpcs_per_repeat",
        (after_repeats - after_first) / repeat_latency.len().max(1) as f64,
        "calls",
        "0",
    );
    report.add("steady.same_pool_replica_answers", instructions as f64, "notices", "");
    report.add("steady.replica_instructions_on_repeat", repeated_truthy as f64, "calls", "0");

    // 3. Mass interruption with faithful v4 agents.
    if args.fleet_agents > 0 {
        let run = super::emergency_fleet::FleetRun {
            agents: args.fleet_agents,
            speed: args.fleet_speed,
            seed: args.seed,
        };
        super::emergency_fleet::run(&stack.gateway_url(), db, &run, &mut report).await?;
    }
    stop.store(true, Ordering::Relaxed);
    let _ = heartbeats.await;
    report.add(
        "background.heartbeat_errors",
        heartbeat_errors.load(Ordering::Relaxed) as f64,
        "requests",
        "0",
    );
    Ok(report)
}

/// One v4 termination-imminent call; (milliseconds, answer).
/// Sends the notices of `plan` (`(k, agent index)`: the k-th leaves `k *
/// gap_ms` after the first) all at once; returns their latencies in ms and
/// how many answers said to create an emergency replica.
async fn paced_notices(
    client: &Arc<Client>,
    agents: &[String],
    plan: impl Iterator<Item = (usize, usize)>,
    gap_ms: u64,
) -> anyhow::Result<(Vec<f64>, usize)> {
    let start = Instant::now();
    let calls: Vec<_> = plan
        .map(|(k, i)| {
            let (client, agent) = (client.clone(), agents[i].clone());
            let at = start + Duration::from_millis(gap_ms) * k as u32;
            tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                notice(client, agent, i).await
            })
        })
        .collect();
    let mut latency = Vec::new();
    let mut replica_answers = 0usize;
    for call in calls {
        let (ms, answer) = call.await??;
        latency.push(ms);
        replica_answers += usize::from(answer["create_emergency_replica"] == true);
    }
    Ok((latency, replica_answers))
}

async fn notice(client: Arc<Client>, agent: String, i: usize) -> anyhow::Result<(f64, Value)> {
    let now = Utc::now();
    let body = json!({"instance_id": instance(i), "detected_at": now.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
                      "termination_time": (now + chrono::Duration::seconds(120)).format("%Y-%m-%dT%H:%M:%SZ").to_string()});
    let started = Instant::now();
    let (status, answer) = client.post(&format!("/api/agents/{agent}/termination-imminent"), &body).await?;
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    anyhow::ensure!(status == 200, "termination-imminent answered {status}: {answer}");
    Ok((ms, answer))
}

/// Every agent heartbeats once per 30 s, spread evenly.
async fn heartbeat_load(
    client: Arc<Client>,
    agents: Vec<String>,
    stop: Arc<AtomicBool>,
    errors: Arc<AtomicI64>,
) {
    let every = Duration::from_secs_f64(30.0 / agents.len().max(1) as f64);
    let mut tick = tokio::time::interval(every.max(Duration::from_micros(100)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut k = 0usize;
    while !stop.load(Ordering::Relaxed) {
        tick.tick().await;
        let i = k % agents.len().max(1);
        k += 1;
        let (client, agent, errors) = (client.clone(), agents[i].clone(), errors.clone());
        tokio::spawn(async move {
            let body = json!({"status": "online", "monitored_instances": [instance(i)], "instance_id": instance(i),
                              "instance_type": "t3.medium", "mode": "spot", "az": AZS[i % 4]});
            match client.post(&format!("/api/agents/{agent}/heartbeat"), &body).await {
                Ok((200, _)) => {}
                _ => {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        });
    }
}
