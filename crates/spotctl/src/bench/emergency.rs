//! `spotctl bench emergency`: the interruption targets, measured on the
//! whole stack in this process (private database and nats-server).
//!
//! 1. N agents register (one group each, instances spread over four AZs of
//!    one region) and heartbeat every 30 s in the background all along.
//! 2. Steady notices: a few hundred termination notices, 20 per second,
//!    from groups of AZ d: notice -> answer latency under background load.
//! 3. Mass interruption: AZ a is reclaimed, M notices within one second.
//!    Half of those groups have a ready replica (must be promoted at once);
//!    the others get one replica instruction each, and the replica boots in
//!    30-90 s (seeded) and reports ready, as a v4 agent does.
//! 4. All along, a watcher counts groups with zero or two PRIMARYs.

use super::Report;
use super::sandbox::BenchDatabase;
use crate::sql::count;
use chrono::Utc;
use futures::StreamExt;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
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
    /// Seed of the boot times.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
}

const AZS: [&str; 4] = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"];

fn instance(i: usize) -> String {
    format!("i-{i:08x}")
}

/// SplitMix64: reproducible boot times without a dependency.
fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
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
        reqwest::Client::builder().pool_max_idle_per_host(64).timeout(Duration::from_secs(30)).build()?;
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

    // Groups of AZ a (index % 4 == 0) take the mass event; half of them get a ready replica now.
    let mass: Vec<usize> = (0..args.agents).filter(|i| i % 4 == 0).take(args.notices).collect();
    let steady: Vec<usize> = (0..args.agents).filter(|i| i % 4 == 3).take(args.steady).collect();
    anyhow::ensure!(mass.len() == args.notices && steady.len() == args.steady, "not enough agents per AZ");
    let with_replica: Vec<usize> = mass.iter().copied().filter(|i| (i / 4) % 2 == 0).collect();
    futures::stream::iter(with_replica.iter().copied())
        .map(|i| {
            let (client, agent) = (client.clone(), agents[i].clone());
            async move {
                let body = json!({"instance_id": format!("r-{i:08x}"), "replica_type": "manual",
                                  "pool_id": "t3.medium.us-east-1b", "status": "ready"});
                client.post(&format!("/api/agents/{agent}/replicas"), &body).await.map(|_| ())
            }
        })
        .buffered(32)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;

    // Background heartbeats (every agent every 30 s) and the invariant watcher.
    let stop = Arc::new(AtomicBool::new(false));
    let heartbeat_errors = Arc::new(AtomicI64::new(0));
    let heartbeats =
        tokio::spawn(heartbeat_load(client.clone(), agents.clone(), stop.clone(), heartbeat_errors.clone()));
    let worst = Arc::new(AtomicI64::new(0));
    let checks = Arc::new(AtomicI64::new(0));
    let watcher = tokio::spawn(watch_invariant(db.clone(), stop.clone(), worst.clone(), checks.clone()));
    tokio::time::sleep(Duration::from_secs(2)).await;

    // 2. Steady notices, one every 50 ms.
    let steady_start = Instant::now();
    let steady_calls: Vec<_> = steady
        .iter()
        .enumerate()
        .map(|(k, &i)| {
            let (client, agent) = (client.clone(), agents[i].clone());
            let at = steady_start + Duration::from_millis(50) * k as u32;
            tokio::spawn(async move {
                tokio::time::sleep_until(at.into()).await;
                notice(client, agent, i).await
            })
        })
        .collect();
    let mut steady_latency = Vec::new();
    for call in steady_calls {
        steady_latency.push(call.await??.0);
    }
    steady_latency.sort_by(f64::total_cmp);
    report.add("steady.notices", steady_latency.len() as f64, "notices", "");
    report.add("steady.answer_p50_ms", pct(&steady_latency, 0.5), "ms", "");
    report.add("steady.answer_p99_ms", pct(&steady_latency, 0.99), "ms", "< 50");

    // 3. Mass interruption: every notice of AZ a within one second.
    let event_start = Instant::now();
    let spacing = Duration::from_micros(1_000_000 / args.notices.max(1) as u64);
    let mut calls = Vec::with_capacity(mass.len());
    for (k, &i) in mass.iter().enumerate() {
        let (client, agent) = (client.clone(), agents[i].clone());
        let at = event_start + spacing * k as u32;
        calls.push(tokio::spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            let sent = event_start.elapsed().as_secs_f64();
            notice(client, agent, i).await.map(|(ms, answer)| (ms, answer, sent))
        }));
    }
    let mut sent_in = 0.0f64;
    let mut mass_latency = Vec::new();
    let mut instructions = 0usize;
    let mut boots = Vec::new();
    for (k, call) in calls.into_iter().enumerate() {
        let (ms, answer, sent) = call.await??;
        sent_in = sent_in.max(sent);
        mass_latency.push(ms);
        if answer["create_emergency_replica"] == true {
            instructions += 1;
            let i = mass[k];
            let boot = args.boot_min + splitmix(args.seed ^ i as u64) % (args.boot_max - args.boot_min + 1);
            let (client, agent) = (client.clone(), agents[i].clone());
            let pool = answer["target_pool_id"].as_str().unwrap_or("t3.medium.us-east-1b").to_owned();
            boots.push(tokio::spawn(async move {
                tokio::time::sleep(Duration::from_secs(boot)).await;
                let body = json!({"instance_id": format!("e-{i:08x}"), "replica_type": "emergency",
                                  "parent_instance_id": instance(i), "pool_id": pool, "status": "ready"});
                client.post(&format!("/api/agents/{agent}/replicas"), &body).await.map(|_| ())
            }));
        }
    }
    // v4 repeats the notice every 5 s: one repeat of each must not add an instruction.
    let repeats: Vec<_> = mass.iter().map(|&i| notice(client.clone(), agents[i].clone(), i)).collect();
    let repeated_truthy = futures::future::join_all(repeats)
        .await
        .into_iter()
        .filter_map(Result::ok)
        .filter(|(_, a)| a["create_emergency_replica"] == true)
        .count();
    mass_latency.sort_by(f64::total_cmp);
    report.add("mass.notices", mass.len() as f64, "notices", "1000");
    report.add("mass.last_notice_sent_at_s", sent_in, "s", "< 1");
    report.add("mass.answer_p50_ms", pct(&mass_latency, 0.5), "ms", "");
    report.add("mass.answer_p99_ms", pct(&mass_latency, 0.99), "ms", "");
    report.add(
        "mass.replica_instructions",
        instructions as f64,
        "notices",
        &format!("= {}", mass.len() - with_replica.len()),
    );
    report.add("mass.instructions_on_repeat", repeated_truthy as f64, "notices", "0");

    for b in boots {
        b.await??;
    }
    // Wait for the last promotions (or deadlines).
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let open = count(
            db,
            "SELECT count(*) FROM emergency.notices WHERE status IN ('detected', 'handling', 'promoting')",
        )
        .await?;
        if open == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    stop.store(true, Ordering::Relaxed);
    let _ = heartbeats.await;
    let _ = watcher.await;

    let mass_ids: Vec<String> = mass.iter().map(|&i| instance(i)).collect();
    let ready_ids: Vec<String> = with_replica.iter().map(|&i| instance(i)).collect();
    let promoted_ready = promoted_ms(db, &ready_ids).await?;
    report.add(
        "mass.ready.promoted",
        promoted_ready.len() as f64,
        "groups",
        &format!("= {}", ready_ids.len()),
    );
    report.add("mass.ready.promotion_p50_ms", pct(&promoted_ready, 0.5), "ms", "");
    report.add("mass.ready.promotion_p99_ms", pct(&promoted_ready, 0.99), "ms", "< 2000");
    let outcome = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT count(*) FILTER (WHERE status = 'resolved' AND NOT deadline_missed) AS in_time,
                    count(*) FILTER (WHERE status = 'failed' OR deadline_missed) AS missed,
                    min(deadline_margin_ms) AS min_margin
             FROM emergency.notices WHERE kind = 'termination' AND instance_id = ANY($1)",
            [mass_ids.clone().into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no outcome"))?;
    let in_time: i64 = outcome.try_get("", "in_time")?;
    let missed: i64 = outcome.try_get("", "missed")?;
    let min_margin: Option<i64> = outcome.try_get("", "min_margin")?;
    report.add(
        "mass.healthy_primary_before_deadline_pct",
        100.0 * in_time as f64 / mass.len() as f64,
        "%",
        ">= 99.9",
    );
    report.add("mass.deadline_missed", missed as f64, "groups", "");
    report.add("mass.min_deadline_margin_s", min_margin.unwrap_or(0) as f64 / 1000.0, "s", "> 0");
    report.add("invariant.checks", checks.load(Ordering::Relaxed) as f64, "scans", "");
    report.add(
        "invariant.worst_groups_without_one_primary",
        worst.load(Ordering::Relaxed) as f64,
        "groups",
        "0",
    );
    report.add(
        "background.heartbeat_errors",
        heartbeat_errors.load(Ordering::Relaxed) as f64,
        "requests",
        "0",
    );
    Ok(report)
}

/// One v4 termination-imminent call; (milliseconds, answer).
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

/// Notice -> promotion committed, for the given instances' notices.
async fn promoted_ms(db: &DatabaseConnection, instances: &[String]) -> anyhow::Result<Vec<f64>> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT promoted_ms FROM emergency.notices
             WHERE kind = 'termination' AND status = 'resolved' AND instance_id = ANY($1) ORDER BY promoted_ms",
            [instances.to_vec().into()],
        ))
        .await?;
    rows.iter().map(|r| Ok(r.try_get::<i64>("", "promoted_ms")? as f64)).collect()
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

/// Scans every group for a PRIMARY count other than one, every 100 ms.
async fn watch_invariant(
    db: DatabaseConnection,
    stop: Arc<AtomicBool>,
    worst: Arc<AtomicI64>,
    checks: Arc<AtomicI64>,
) {
    let sql = "SELECT count(*) FROM (SELECT g.id FROM lifecycle.groups g
                 LEFT JOIN lifecycle.instances i ON i.group_id = g.id AND i.role = 'PRIMARY'
                 GROUP BY g.id HAVING count(i.instance_id) <> 1) bad";
    while !stop.load(Ordering::Relaxed) {
        if let Ok(bad) = count(&db, sql).await {
            worst.fetch_max(bad, Ordering::Relaxed);
            checks.fetch_add(1, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
