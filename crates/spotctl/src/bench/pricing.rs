//! `spotctl bench pricing`: the three pricing targets, measured against the
//! real Postgres in a throw-away database.
//!
//! 1. Staging ingest: pricing reports through the real report consumer's
//!    batch handler (inbox dedup, role lookup, UNNEST inserts), one batch of
//!    `SPOT_CONSUMER_BATCH` reports at a time as the consumer runs.
//! 2. Consolidation of a 12 h window for N agents over P pools (each agent
//!    reports 6 pools every 5 minutes, with dropped reports and silent
//!    pools), through the real `Consolidator`; peak RSS of this process.
//! 3. Canonical refresh of D days x P pools of consolidated points.

use super::sandbox::BenchDatabase;
use super::{Report, peak_rss_mib};
use crate::sql::count;
use bytes::Bytes;
use chrono::{Duration, DurationRound, Utc};
use prost::Message;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use spot_contracts::v1;
use spot_platform::Settings;
use spot_platform::bus::{BatchHandler, Delivery};
use spot_platform::store::Migrator;
use spot_pricing::consolidation::{Consolidator, backfill::Backfill};
use spot_pricing::consumers::reports::ReportConsumer;
use std::time::Instant;
use uuid::Uuid;

/// Sizes of a run.
#[derive(Debug, Clone, clap::Args)]
pub struct PricingArgs {
    /// Price points pushed through the staging consumer.
    #[arg(long, default_value_t = 500_000)]
    pub ingest_points: usize,
    /// Agents reporting during the consolidated window.
    #[arg(long, default_value_t = 10_000)]
    pub agents: i64,
    /// Pools.
    #[arg(long, default_value_t = 2_000)]
    pub pools: i64,
    /// Consolidated window, hours.
    #[arg(long, default_value_t = 12)]
    pub hours: i64,
    /// Days of consolidated points for the canonical refresh (0 skips it).
    #[arg(long, default_value_t = 90)]
    pub canonical_days: i64,
    /// Keep the bench database afterwards (its name is printed).
    #[arg(long)]
    pub keep: bool,
}

/// Pool id of pool number `p`: 100 instance types x 20 AZs in 4 regions.
const POOL_SQL: &str =
    "('c' || (p / 20) || '.large.us-east-' || ((p % 20) / 6 + 1) || chr((97 + (p % 20) % 6)::int))";

fn pool_name(p: i64) -> String {
    format!("c{}.large.us-east-{}{}", p / 20, (p % 20) / 6 + 1, char::from(b'a' + ((p % 20) % 6) as u8))
}

/// Runs the bench and returns the report.
pub async fn run(settings: &Settings, args: &PricingArgs) -> anyhow::Result<Report> {
    let bench_db = BenchDatabase::create(settings.database_url.expose()).await?;
    eprintln!("bench pricing: database {}", bench_db.name);
    let db = Database::connect(bench_db.url.as_str()).await?;
    Migrator::new(spot_pricing::SCHEMA, spot_pricing::MIGRATIONS)?.up(&db).await?;
    let mut report = Report::new("pricing");
    let outcome = measure(&db, settings, args, &mut report).await;
    db.close().await?;
    if args.keep {
        eprintln!("bench pricing: kept database {}", bench_db.name);
    } else {
        bench_db.drop().await?;
    }
    outcome.map(|()| report)
}

async fn measure(
    db: &DatabaseConnection,
    settings: &Settings,
    args: &PricingArgs,
    report: &mut Report,
) -> anyhow::Result<()> {
    ingest(db, settings.consumer_batch, args, report).await?;
    consolidation(db, args, report).await?;
    if args.canonical_days > 0 {
        canonical(db, args, report).await?;
    }
    Ok(())
}

/// A pricing report event of agent `a` with 8 pool prices.
fn report_delivery(a: usize, seq: u64, pools: i64) -> anyhow::Result<Delivery> {
    let event_id = Uuid::now_v7();
    let now = spot_contracts::Timestamp::from(std::time::SystemTime::now());
    let spot_pools = (0..8)
        .map(|k| {
            let p = (a as i64 * 7 + k * 331) % pools;
            let name = pool_name(p);
            let (ty, az) = name.rsplit_once('.').unwrap_or_default();
            v1::PoolPrice {
                pool_id: name.clone(),
                instance_type: ty.to_owned(),
                az: az.to_owned(),
                price: 0.02 + (p % 97) as f64 * 0.001 + (seq % 13) as f64 * 1e-5,
            }
        })
        .collect();
    let body = v1::PricingReportReceived {
        meta: Some(v1::EventMeta {
            event_id: event_id.to_string(),
            occurred_at: Some(now),
            client_id: Uuid::nil().to_string(),
            agent_id: Uuid::from_u128(a as u128).to_string(),
            producer: "bench".into(),
            request_id: String::new(),
        }),
        instance_id: format!("i-{a:08x}"),
        instance_type: "c1.large".into(),
        region: "us-east-1".into(),
        az: "us-east-1a".into(),
        mode: v1::InstanceMode::Spot as i32,
        pool_id: Some(pool_name(a as i64 % pools)),
        on_demand_price: Some(0.1),
        current_spot_price: Some(0.03),
        cheapest_pool: None,
        spot_pools,
        collected_at: Some(now),
    };
    Ok(Delivery {
        event_id: event_id.to_string(),
        subject: format!("spot.v1.ingest.pricing_report.{}.{}", Uuid::nil(), Uuid::from_u128(a as u128)),
        payload: Bytes::from(body.encode_to_vec()),
        sequence: seq,
        delivered: 1,
        traceparent: None,
    })
}

async fn ingest(
    db: &DatabaseConnection,
    batch: usize,
    args: &PricingArgs,
    report: &mut Report,
) -> anyhow::Result<()> {
    let ignored =
        prometheus::IntCounterVec::new(prometheus::Opts::new("bench_ignored", "ignored"), &["reason"])?;
    let consumer = ReportConsumer::new(db.clone(), ignored);
    let reports = args.ingest_points.div_ceil(8);
    let mut seq = 0u64;
    let mut busy = std::time::Duration::ZERO;
    let mut batch_times = Vec::new();
    while (seq as usize) < reports {
        let n = batch.min(reports - seq as usize);
        let deliveries = (0..n)
            .map(|i| report_delivery((seq as usize + i) % 10_000, seq + i as u64, args.pools))
            .collect::<Result<Vec<_>, _>>()?;
        let started = Instant::now();
        consumer.handle(&deliveries).await.map_err(|e| anyhow::anyhow!("ingest batch failed: {}", e.0))?;
        let took = started.elapsed();
        busy += took;
        batch_times.push(took.as_secs_f64() * 1000.0);
        seq += n as u64;
    }
    let staged = count(db, "SELECT count(*) FROM pricing.spot_price_snapshots").await?;
    anyhow::ensure!(staged == reports as i64 * 8, "staged {staged} points, expected {}", reports * 8);
    batch_times.sort_by(f64::total_cmp);
    let pct = |q: f64| batch_times[((batch_times.len() as f64 - 1.0) * q).round() as usize];
    report.add("ingest.points", staged as f64, "points", "");
    report.add("ingest.batch_reports", batch as f64, "reports", "");
    report.add("ingest.points_per_s", staged as f64 / busy.as_secs_f64(), "points/s", ">= 50000");
    report.add("ingest.batch_p50_ms", pct(0.5), "ms", "");
    report.add("ingest.batch_p99_ms", pct(0.99), "ms", "");
    db.execute_unprepared("TRUNCATE pricing.spot_price_snapshots, pricing.instance_usage, pricing.inbox")
        .await?;
    Ok(())
}

async fn consolidation(
    db: &DatabaseConnection,
    args: &PricingArgs,
    report: &mut Report,
) -> anyhow::Result<()> {
    let end = Utc::now().duration_trunc(Duration::hours(1))?;
    let start = end - Duration::hours(args.hours);
    let reports_per_agent = args.hours * 12;
    eprintln!(
        "bench pricing: generating staging for {} agents x {} pools x {} h ...",
        args.agents, args.pools, args.hours
    );
    let generated = Instant::now();
    // Each agent reports 6 pools every 5 minutes at its own offset; 2% of
    // reports are lost and every 50th pool is silent for an hour (a gap to
    // interpolate). A third of the agents are replicas, priced slightly off.
    let sql = format!(
        "INSERT INTO pricing.spot_price_snapshots (event_id, client_id, agent_id, instance_id, reporter_role, pool_id,
            region, instance_type, az, price, captured_at)
         SELECT gen_random_uuid(), '00000000-0000-0000-0000-000000000000', gen_random_uuid(), 'i-' || a,
                CASE WHEN a % 3 = 0 THEN 'REPLICA' ELSE 'PRIMARY' END, {POOL_SQL},
                'us-east-' || ((p % 20) / 6 + 1), 'c' || (p / 20) || '.large',
                'us-east-' || ((p % 20) / 6 + 1) || chr((97 + (p % 20) % 6)::int),
                0.02 + (p % 97) * 0.001 + ((a * 31 + r * 17) % 100) * 0.00001 + CASE WHEN a % 3 = 0 THEN 0.002 ELSE 0 END,
                $1::timestamptz + make_interval(secs => r * 300 + a % 300)
         FROM generate_series(0, $2 - 1) a, generate_series(0, $3 - 1) r, generate_series(0, 5) k,
              LATERAL (SELECT (a * 7 + k * 331) % $4 AS p) pool
         WHERE (a * 13 + r) % 50 <> 0 AND NOT (p % 50 = 0 AND r BETWEEN 60 AND 71)"
    );
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        [start.into(), args.agents.into(), reports_per_agent.into(), args.pools.into()],
    ))
    .await?;
    db.execute_unprepared("ANALYZE pricing.spot_price_snapshots").await?;
    let staged = count(db, "SELECT count(*) FROM pricing.spot_price_snapshots").await?;
    eprintln!(
        "bench pricing: {staged} staging points in {:.1} s; consolidating ...",
        generated.elapsed().as_secs_f64()
    );
    let rss_before = peak_rss_mib();
    let consolidator = Consolidator { db: db.clone(), backfill: Backfill::Off, bucket: Duration::minutes(5) };
    let started = Instant::now();
    let job = consolidator.run("bench", start, end).await?;
    let took = started.elapsed().as_secs_f64();
    anyhow::ensure!(job.status == "succeeded", "consolidation {}: {:?}", job.status, job.error);
    let written = count(db, "SELECT count(*) FROM pricing.pricing_consolidated").await?;
    report.add("consolidation.staging_points", staged as f64, "points", "~8.6M");
    report.add("consolidation.seconds", took, "s", "< 60");
    report.add("consolidation.points_per_s", staged as f64 / took, "points/s", "");
    report.add("consolidation.duplicates_removed", job.duplicates_removed as f64, "points", "");
    report.add("consolidation.gaps_interpolated", job.gaps_interpolated as f64, "points", "");
    report.add("consolidation.rows_written", written as f64, "rows", "");
    report.add("consolidation.peak_rss_mib", peak_rss_mib(), "MiB", "bounded");
    report.add("consolidation.rss_growth_mib", peak_rss_mib() - rss_before, "MiB", "");
    db.execute_unprepared(
        "TRUNCATE pricing.spot_price_snapshots, pricing.pricing_consolidated, pricing.pricing_canonical",
    )
    .await?;
    Ok(())
}

async fn canonical(db: &DatabaseConnection, args: &PricingArgs, report: &mut Report) -> anyhow::Result<()> {
    let end = Utc::now().duration_trunc(Duration::hours(1))?;
    let start = end - Duration::days(args.canonical_days);
    eprintln!(
        "bench pricing: generating {} days x {} pools of consolidated points ...",
        args.canonical_days, args.pools
    );
    let generated = Instant::now();
    let job = Uuid::now_v7();
    // Ten days per statement, so progress shows and no statement runs for long.
    let mut day = 0;
    while day < args.canonical_days {
        let days = (args.canonical_days - day).min(10);
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "INSERT INTO pricing.pricing_consolidated (pool_id, bucket_start, price, source, samples, job_id)
                 SELECT {POOL_SQL}, b, 0.02 + (p % 97) * 0.001, CASE WHEN extract(minute FROM b) = 0 THEN 'interpolated' ELSE 'agent' END,
                        CASE WHEN extract(minute FROM b) = 0 THEN 0 ELSE 3 END, $4
                 FROM generate_series(0, $3 - 1) p,
                      generate_series($1::timestamptz, $2::timestamptz - interval '5 minutes', interval '5 minutes') b"
            ),
            [
                (start + Duration::days(day)).into(),
                (start + Duration::days(day + days)).into(),
                args.pools.into(),
                job.into(),
            ],
        ))
        .await?;
        day += days;
        eprintln!("bench pricing:   {day}/{} days", args.canonical_days);
    }
    db.execute_unprepared("ANALYZE pricing.pricing_consolidated").await?;
    let rows = count(db, "SELECT count(*) FROM pricing.pricing_consolidated").await?;
    eprintln!(
        "bench pricing: {rows} consolidated rows in {:.1} s; refreshing canonical ...",
        generated.elapsed().as_secs_f64()
    );
    let txn = sea_orm::TransactionTrait::begin(db).await?;
    let started = Instant::now();
    let copied = spot_pricing::store::canonical::rebuild(&txn, end).await?;
    txn.commit().await?;
    let took = started.elapsed().as_secs_f64();
    report.add("canonical.rows", copied as f64, "rows", "3 months x 2000 pools = 52.6M");
    report.add("canonical.seconds", took, "s", "< 300");
    report.add("canonical.rows_per_s", copied as f64 / took, "rows/s", "");
    Ok(())
}
