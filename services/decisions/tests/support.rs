//! Test support: a fresh database with the decisions schema, an engine on
//! it, and projections seeded the way the consumers would write them.

#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement, Value};
use spot_decisions::engine::Engine;
use spot_testkit::TestDatabase;
use uuid::Uuid;

pub const TYPE: &str = "m5.large";
pub const POOL_A: &str = "m5.large.us-east-1a";
pub const POOL_B: &str = "m5.large.us-east-1b";
pub const POOL_C: &str = "m5.large.us-east-1c";

pub struct Env {
    pub engine: Engine,
    pub db: DatabaseConnection,
    pub _database: TestDatabase,
}

/// A database with the decisions schema and an engine whose lifecycle and
/// pricing are unreachable (these tests look at decisions, not commands).
pub async fn env() -> anyhow::Result<Env> {
    spot_testkit::init_logs();
    let database = TestDatabase::create().await?;
    let db = database.migrated(spot_decisions::SCHEMA, spot_decisions::MIGRATIONS).await?;
    let registry = prometheus::Registry::new();
    // Lifecycle and pricing unreachable (port 9): these runs look at decisions, not commands.
    let mut settings = database.settings_without_bus()?;
    settings.source.set("SPOT_LIFECYCLE_GRPC_URL", "http://127.0.0.1:9");
    settings.source.set("SPOT_PRICING_GRPC_URL", "http://127.0.0.1:9");
    let cfg = spot_decisions::settings::DecisionsSettings::load(&settings)?;
    let engine = Engine::new(db.clone(), cfg, spot_decisions::metrics::Metrics::new(&registry)?)
        .map_err(anyhow::Error::msg)?;
    Ok(Env { engine, db, _database: database })
}

pub async fn exec(db: &DatabaseConnection, sql: &str, values: Vec<Value>) -> anyhow::Result<()> {
    db.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, values)).await?;
    Ok(())
}

pub use spot_platform::store::count_with as count;

/// Three pools of m5.large with hourly agent points for a day at the given prices.
pub async fn market(db: &DatabaseConnection, now: DateTime<Utc>, prices: [f64; 3]) -> anyhow::Result<()> {
    for (pool, price) in [POOL_A, POOL_B, POOL_C].into_iter().zip(prices) {
        let az = pool.trim_start_matches("m5.large.");
        exec(
            db,
            "INSERT INTO decisions.pools (pool_id, instance_type, az, on_demand_price, risk, risk_score, risk_at)
             VALUES ($1, $2, $3, 0.096, 'safe', 0.1, $4)",
            vec![pool.into(), TYPE.into(), az.into(), now.into()],
        )
        .await?;
        exec(
            db,
            "INSERT INTO decisions.price_points (pool_id, bucket_start, price, source)
             SELECT $1, $2 - make_interval(hours => h), $3, 'agent' FROM generate_series(0, 23) AS h",
            vec![pool.into(), now.into(), price.into()],
        )
        .await?;
    }
    Ok(())
}

/// [`env`] with a [`market`] at `prices`, priced now (returned).
pub async fn env_with_market(prices: [f64; 3]) -> anyhow::Result<(Env, DateTime<Utc>)> {
    let env = env().await?;
    let now = Utc::now();
    market(&env.db, now, prices).await?;
    Ok((env, now))
}

/// [`env_with_market`] with one due group running in [`POOL_A`].
pub async fn env_with_group_in_a(prices: [f64; 3]) -> anyhow::Result<(Env, DateTime<Utc>)> {
    let (env, now) = env_with_market(prices).await?;
    group(&env.db, Uuid::now_v7(), POOL_A, now).await?;
    Ok((env, now))
}

/// An auto-switch group whose PRIMARY runs in `pool`, due now.
pub async fn group(db: &DatabaseConnection, id: Uuid, pool: &str, now: DateTime<Utc>) -> anyhow::Result<()> {
    let az = pool.trim_start_matches("m5.large.");
    exec(
        db,
        "INSERT INTO decisions.groups (group_id, client_id, logical_agent_id, auto_switch, min_pool_duration_hours,
                settings_version, primary_agent_id, primary_instance_id, instance_type, region, az, mode, pool_id,
                primary_since, pool_since, next_eval_at)
         VALUES ($1, $2, $3, true, 2, 1, $4, $5, $6, 'us-east-1', $7, 'spot', $8, $9, $9, $10)",
        vec![
            id.into(),
            Uuid::from_u128(7).into(),
            format!("i-{id}").into(),
            Uuid::now_v7().into(),
            format!("i-{}", &id.simple().to_string()[..8]).into(),
            TYPE.into(),
            az.into(),
            pool.into(),
            (now - Duration::hours(30)).into(),
            (now - Duration::seconds(1)).into(),
        ],
    )
    .await
}

/// Registers a model through the registry checks and returns its id.
pub async fn register(env: &Env, req: spot_contracts::v1::RegisterModelRequest) -> anyhow::Result<Uuid> {
    let m = spot_decisions::registry::check(&req)?;
    let v = spot_decisions::store::models::insert(&env.db, &m).await?;
    Ok(Uuid::parse_str(v["id"].as_str().unwrap_or_default())?)
}

pub const BUILTIN: Uuid = Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0001);
