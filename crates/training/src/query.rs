//! The training rows: pricing's canonical layer (one consolidated price per
//! pool and bucket) joined with lifecycle and emergency features of the
//! same pool and bucket, read page by page in `(bucket_start, pool_id)`
//! order (keyset pagination: each page is one bounded query).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, FromQueryResult, Statement, Value};

/// One row of the training file (see parquet_file.rs for the columns).
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct TrainingRow {
    pub pool_id: String,
    pub bucket_start: DateTime<Utc>,
    pub region: String,
    pub az: String,
    pub instance_type: String,
    pub price: f64,
    /// `agent`, `interpolated` or `backfilled`.
    pub source: String,
    pub termination_notices: i32,
    pub rebalance_notices: i32,
    pub deadlines_missed: i32,
    pub switches_in: i32,
    pub switches_out: i32,
    pub emergency_switches: i32,
    pub replicas_launched: i32,
    pub primaries: i32,
}

/// Where the next page starts (exclusive).
pub type Cursor = (DateTime<Utc>, String);

/// Events are put in the bucket whose start is their time floored to the
/// bucket width (pricing aligns buckets the same way, to multiples of the
/// width since the epoch).
const PAGE_SQL: &str = r"
WITH page AS (
    SELECT pool_id, bucket_start, region, az, instance_type, price, source
      FROM pricing.pricing_canonical
     WHERE bucket_start >= $1 AND bucket_start < $2
       AND (bucket_start, pool_id) > ($3, $4)
     ORDER BY bucket_start, pool_id
     LIMIT $5
), span AS (
    SELECT min(bucket_start) AS lo, max(bucket_start) + make_interval(secs => $6::float8) AS hi FROM page
), notices AS (
    SELECT n.pool_id,
           to_timestamp(floor(extract(epoch FROM n.notice_time)::float8 / $6::float8) * $6) AS bucket,
           count(*) FILTER (WHERE n.kind = 'termination')::int4 AS terminations,
           count(*) FILTER (WHERE n.kind = 'rebalance')::int4 AS rebalances,
           count(*) FILTER (WHERE n.deadline_missed)::int4 AS missed
      FROM emergency.notices n, span
     WHERE n.pool_id IS NOT NULL AND n.notice_time >= span.lo AND n.notice_time < span.hi
     GROUP BY 1, 2
), moves AS (
    SELECT s.pool_id, s.bucket,
           count(*) FILTER (WHERE s.direction = 'in')::int4 AS ins,
           count(*) FILTER (WHERE s.direction = 'out')::int4 AS outs,
           count(*) FILTER (WHERE s.direction = 'in' AND s.trigger = 'emergency')::int4 AS emergency
      FROM (
        SELECT sw.new_pool_id AS pool_id, 'in' AS direction, sw.trigger,
               to_timestamp(floor(extract(epoch FROM coalesce(sw.traffic_switched_at, sw.created_at))::float8 / $6::float8) * $6) AS bucket,
               coalesce(sw.traffic_switched_at, sw.created_at) AS at
          FROM lifecycle.switches sw
        UNION ALL
        SELECT sw.old_pool_id, 'out', sw.trigger,
               to_timestamp(floor(extract(epoch FROM coalesce(sw.traffic_switched_at, sw.created_at))::float8 / $6::float8) * $6),
               coalesce(sw.traffic_switched_at, sw.created_at)
          FROM lifecycle.switches sw
      ) s, span
     WHERE s.pool_id IS NOT NULL AND s.at >= span.lo AND s.at < span.hi
     GROUP BY 1, 2
), replicas AS (
    SELECT r.pool_id,
           to_timestamp(floor(extract(epoch FROM r.launched_at)::float8 / $6::float8) * $6) AS bucket,
           count(*)::int4 AS launched
      FROM lifecycle.replicas r, span
     WHERE r.pool_id IS NOT NULL AND r.launched_at >= span.lo AND r.launched_at < span.hi
     GROUP BY 1, 2
)
SELECT p.pool_id, p.bucket_start, p.region, p.az, p.instance_type, p.price, p.source,
       coalesce(n.terminations, 0) AS termination_notices,
       coalesce(n.rebalances, 0) AS rebalance_notices,
       coalesce(n.missed, 0) AS deadlines_missed,
       coalesce(m.ins, 0) AS switches_in,
       coalesce(m.outs, 0) AS switches_out,
       coalesce(m.emergency, 0) AS emergency_switches,
       coalesce(r.launched, 0) AS replicas_launched,
       (SELECT count(*)::int4 FROM lifecycle.instances i
         WHERE i.pool_id = p.pool_id AND i.role = 'PRIMARY'
           AND i.role_changed_at < p.bucket_start + make_interval(secs => $6::float8)) AS primaries
  FROM page p
  LEFT JOIN notices n ON n.pool_id = p.pool_id AND n.bucket = p.bucket_start
  LEFT JOIN moves m ON m.pool_id = p.pool_id AND m.bucket = p.bucket_start
  LEFT JOIN replicas r ON r.pool_id = p.pool_id AND r.bucket = p.bucket_start
 ORDER BY p.bucket_start, p.pool_id";

/// Rows of the canonical layer in `[from, to)`.
pub async fn count<C: ConnectionTrait>(db: &C, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<u64, DbErr> {
    let sql = "SELECT count(*) FROM pricing.pricing_canonical WHERE bucket_start >= $1 AND bucket_start < $2";
    let row = db
        .query_one_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, [from.into(), to.into()]))
        .await?;
    let n: i64 = match row {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The next page after `after` (the start of the range when `None`).
pub async fn page<C: ConnectionTrait>(
    db: &C,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<&Cursor>,
    limit: u32,
    bucket_seconds: u32,
) -> Result<Vec<TrainingRow>, DbErr> {
    // `(from - 1 ms, "")` sorts before every row of the range.
    let (at, pool) = match after {
        Some((at, pool)) => (*at, pool.clone()),
        None => (from - chrono::Duration::milliseconds(1), String::new()),
    };
    let values: Vec<Value> = vec![
        from.into(),
        to.into(),
        at.into(),
        pool.into(),
        i64::from(limit).into(),
        f64::from(bucket_seconds).into(),
    ];
    let rows =
        db.query_all_raw(Statement::from_sql_and_values(DbBackend::Postgres, PAGE_SQL, values)).await?;
    rows.iter().map(|r| TrainingRow::from_query_result(r, "")).collect()
}
