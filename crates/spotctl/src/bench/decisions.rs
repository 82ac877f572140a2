//! `spotctl bench decisions`: decision latency of the built-in policy and
//! of the ONNX test model (input -> model -> validation -> guardrails, on
//! inputs with 6 candidate pools x 7 days of 5-minute points), and one
//! evaluation round of the real loop over N auto-switch groups in a
//! throw-away database (claims, inputs, decisions, log rows and events).
//!
//! Lifecycle is not running in this bench: groups are placed so the round
//! decides STAY or a guardrail-blocked SWITCH, and no command is queued;
//! queueing is one gRPC call per accepted switch, measured by the stack tests.

use super::sandbox::BenchDatabase;
use super::{Report, lag::quantile, peak_rss_mib};
use chrono::{Duration, DurationRound, Utc};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use spot_decisions::engine::onnx::OnnxModel;
use spot_decisions::engine::{Engine, round};
use spot_domain::decisions::guardrails::{GuardrailConfig, check};
use spot_domain::decisions::{
    DecisionInput, PointSource, Policy, PoolWindow, PricePoint, RiskAware, RiskLevel, sample, validate_output,
};
use spot_platform::Settings;
use spot_platform::store::Migrator;
use std::time::Instant;
use uuid::Uuid;

const ONNX: &[u8] = include_bytes!("../../../../services/decisions/models/risk_linear.onnx");

#[derive(Debug, Clone, clap::Args)]
pub struct DecisionsArgs {
    /// Auto-switch groups in the evaluation round.
    #[arg(long, default_value_t = 10_000)]
    pub groups: i64,
    /// Decisions timed per model kind for the latency figures.
    #[arg(long, default_value_t = 5_000)]
    pub samples: usize,
    /// Keep the bench database afterwards.
    #[arg(long)]
    pub keep: bool,
}

fn input(seed: u64) -> DecisionInput {
    let now = Utc::now().duration_trunc(Duration::minutes(5)).unwrap_or_else(|_| Utc::now());
    let candidates = (0..6u64)
        .map(|p| PoolWindow {
            pool_id: format!("m5.large.us-east-1{}", char::from(b'a' + p as u8)),
            risk: RiskLevel::Safe,
            risk_score: Some(0.1 + p as f64 * 0.05),
            interruptions_30d: p as u32,
            points: (0..2016)
                .map(|i| PricePoint {
                    at: now - Duration::minutes(5 * (2015 - i)),
                    price: 0.03 + 0.002 * ((p + seed + i as u64) % 7) as f64,
                    source: if i % 10 == 0 { PointSource::Interpolated } else { PointSource::Agent },
                })
                .collect(),
        })
        .collect();
    sample::input(Uuid::from_u128(u128::from(seed)), now, 40.0, -0.06, candidates)
}

fn percentiles(report: &mut Report, kind: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    report.add(&format!("{kind}_decision_p50_ms"), quantile(&ms, 0.50), "ms", "");
    report.add(&format!("{kind}_decision_p99_ms"), quantile(&ms, 0.99), "ms", "< 5");
}

pub async fn run(settings: &Settings, args: &DecisionsArgs) -> anyhow::Result<Report> {
    let mut report = Report::new("decisions");
    let inputs: Vec<DecisionInput> = (0..64).map(input).collect();
    let cfg = GuardrailConfig::default();
    let policy = RiskAware::default();
    let mut ms = Vec::with_capacity(args.samples);
    for k in 0..args.samples {
        let i = &inputs[k % inputs.len()];
        let t = Instant::now();
        let out = validate_output(&policy.decide(i).to_raw(), i).map_err(|e| anyhow::anyhow!("{e}"))?;
        std::hint::black_box(check(i, &out, &cfg));
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    percentiles(&mut report, "builtin", ms);
    let model = OnnxModel::load(ONNX).map_err(|(c, m)| anyhow::anyhow!("{c}: {m}"))?;
    let mut ms = Vec::with_capacity(args.samples);
    for k in 0..args.samples {
        let i = &inputs[k % inputs.len()];
        let t = Instant::now();
        let raw = model.decide(i).map_err(anyhow::Error::msg)?;
        if let Ok(out) = validate_output(&raw, i) {
            std::hint::black_box(check(i, &out, &cfg));
        }
        ms.push(t.elapsed().as_secs_f64() * 1e3);
    }
    percentiles(&mut report, "onnx", ms);

    let bench_db = BenchDatabase::create(settings.database_url.expose()).await?;
    eprintln!("bench decisions: database {}", bench_db.name);
    let db = Database::connect(bench_db.url.as_str()).await?;
    Migrator::new(spot_decisions::SCHEMA, spot_decisions::MIGRATIONS)?.up(&db).await?;
    let outcome = round_over(settings, &db, args, &mut report).await;
    db.close().await?;
    if args.keep {
        eprintln!("bench decisions: kept database {}", bench_db.name);
    } else {
        bench_db.drop().await?;
    }
    outcome?;
    report.add("peak_rss", peak_rss_mib(), "MiB", "");
    Ok(report)
}

async fn exec(
    db: &sea_orm::DatabaseConnection,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> anyhow::Result<()> {
    db.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, values)).await?;
    Ok(())
}

/// 9 pools (3 types x 3 AZs, 7 days of 5-minute points), `groups` groups:
/// 90 % in their type's cheapest pool (STAY), 10 % in a dearer one but too
/// recently for `min_pool_duration_hours` (SWITCH, blocked).
async fn round_over(
    settings: &Settings,
    db: &sea_orm::DatabaseConnection,
    args: &DecisionsArgs,
    report: &mut Report,
) -> anyhow::Result<()> {
    let now = Utc::now();
    exec(
        db,
        "INSERT INTO decisions.pools (pool_id, instance_type, az, on_demand_price, risk, risk_score, risk_at)
         SELECT t || '.us-east-1' || z, t, 'us-east-1' || z, 0.1, 'safe', 0.1, $1
         FROM unnest(ARRAY['m5.large', 'c5.large', 'r5.large']) t, unnest(ARRAY['a', 'b', 'c']) z",
        vec![now.into()],
    )
    .await?;
    exec(
        db,
        "INSERT INTO decisions.price_points (pool_id, bucket_start, price, source)
         SELECT p.pool_id, date_trunc('hour', $1::timestamptz) - make_interval(mins => 5 * i),
                CASE WHEN p.az LIKE '%a' THEN 0.03 ELSE 0.05 END + (i % 7) * 0.0005, 'agent'
         FROM decisions.pools p, generate_series(0, 2015) i",
        vec![now.into()],
    )
    .await?;
    exec(
        db,
        "INSERT INTO decisions.groups (group_id, client_id, logical_agent_id, auto_switch, settings_version,
                primary_agent_id, primary_instance_id, instance_type, region, az, mode, pool_id, primary_since,
                pool_since, next_eval_at)
         SELECT gen_random_uuid(), '00000000-0000-0000-0000-000000000001', 'bench-' || g, true, 1, gen_random_uuid(),
                'i-' || g, t, 'us-east-1', 'us-east-1' || z, 'spot', t || '.us-east-1' || z,
                $1 - interval '3 days', CASE WHEN z = 'a' THEN $1 - interval '3 days' ELSE $1 END,
                $1 - interval '1 second'
         FROM generate_series(1, $2) g,
              LATERAL (SELECT (ARRAY['m5.large', 'c5.large', 'r5.large'])[1 + g % 3] AS t,
                              CASE WHEN g % 10 = 0 THEN 'b' ELSE 'a' END AS z) x",
        vec![now.into(), args.groups.into()],
    )
    .await?;
    exec(db, "ANALYZE decisions.groups", vec![]).await?;
    exec(db, "ANALYZE decisions.price_points", vec![]).await?;
    let registry = prometheus::Registry::new();
    // Lifecycle and pricing unreachable (port 9): these runs look at decisions, not commands.
    let mut settings = settings.clone();
    settings.source.set("SPOT_LIFECYCLE_GRPC_URL", "http://127.0.0.1:9");
    settings.source.set("SPOT_PRICING_GRPC_URL", "http://127.0.0.1:9");
    let cfg = spot_decisions::settings::DecisionsSettings::load(&settings)?;
    let engine = Engine::new(db.clone(), cfg, spot_decisions::metrics::Metrics::new(&registry)?)
        .map_err(anyhow::Error::msg)?;
    let t = Instant::now();
    let stats = round::run_round(&engine, now).await?;
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        stats.decided as i64 == args.groups,
        "decided {} of {} groups: {stats:?}",
        stats.decided,
        args.groups
    );
    report.add("round_groups", stats.groups as f64, "groups", "");
    report.add("round_seconds", secs, "s", "< 10 (10,000 groups)");
    report.add("round_groups_per_second", stats.groups as f64 / secs.max(1e-9), "1/s", "");
    Ok(())
}
