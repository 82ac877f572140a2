use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
pub use spot_platform::store::count;
use spot_testkit::TestDatabase;
use uuid::Uuid;

/// A database with pricing's schema; these tests publish nothing, so no
/// nats-server is started.
pub struct Env {
    pub db: DatabaseConnection,
    pub _database: TestDatabase,
}

pub async fn env() -> anyhow::Result<Env> {
    spot_testkit::init_logs();
    let database = TestDatabase::create().await?;
    let db = database.migrated(spot_pricing::SCHEMA, spot_pricing::MIGRATIONS).await?;
    Ok(Env { db, _database: database })
}

/// 2026-11-22 00:00 UTC: a fixed origin so expectations are exact.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 0, 0, 0).single().unwrap_or_default()
}

pub fn at(minutes: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(minutes)
}

/// Inserts one staging row.
pub async fn snapshot(
    db: &DatabaseConnection,
    pool: &str,
    minutes: i64,
    price: f64,
    role: &str,
) -> anyhow::Result<()> {
    let (ty, az) = pool.rsplit_once('.').unwrap_or_default();
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO pricing.spot_price_snapshots (event_id, client_id, agent_id, instance_id, reporter_role, pool_id,
            region, instance_type, az, price, captured_at)
         VALUES ($1, $2, $3, 'i-1', $4, $5, left($6, -1), $7, $6, $8, $9)",
        [
            Uuid::now_v7().into(),
            Uuid::nil().into(),
            Uuid::nil().into(),
            role.into(),
            pool.into(),
            az.into(),
            ty.into(),
            price.into(),
            at(minutes).into(),
        ],
    ))
    .await?;
    Ok(())
}

/// `(bucket minutes from t0, price, source)` of a pool, in order.
pub async fn consolidated(db: &DatabaseConnection, pool: &str) -> anyhow::Result<Vec<(i64, f64, String)>> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT bucket_start, price, source FROM pricing.pricing_consolidated WHERE pool_id = $1 ORDER BY bucket_start",
            [pool.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let b: DateTime<Utc> = r.try_get("", "bucket_start")?;
            Ok(((b - t0()).num_minutes(), r.try_get("", "price")?, r.try_get("", "source")?))
        })
        .collect()
}
