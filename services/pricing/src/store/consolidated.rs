//! Reading staging for consolidation, writing consolidated points, and the
//! canonical refresh.

use super::sql;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use spot_domain::pricing::ConsolidatedPoint;
use spot_domain::pricing::ReporterRole;
use uuid::Uuid;

/// A staging row as the consolidation streams it.
#[derive(Debug, FromQueryResult)]
pub struct StagedPrice {
    pub pool_id: String,
    pub captured_at: DateTime<Utc>,
    pub price: f64,
    pub reporter_role: ReporterRole,
}

/// Staging rows of the window, ordered by pool then time (the index order),
/// so the job can stream them one pool at a time (into [`StagedPrice`]).
pub fn staging_stream_sql() -> &'static str {
    "SELECT pool_id, captured_at, price, reporter_role FROM pricing.spot_price_snapshots
     WHERE captured_at >= $1 AND captured_at < $2 ORDER BY pool_id, captured_at"
}

/// Pools with agent data in the 7 days before the window but none inside it:
/// candidates for a full backfill.
pub async fn quiet_pools<C: ConnectionTrait>(
    conn: &C,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<Vec<String>, DbErr> {
    #[derive(FromQueryResult)]
    struct Pool {
        pool_id: String,
    }
    let rows = Pool::find_by_statement(sql(
        "SELECT DISTINCT pool_id FROM pricing.spot_price_snapshots s
             WHERE captured_at >= $1 - interval '7 days' AND captured_at < $1
               AND NOT EXISTS (SELECT 1 FROM pricing.spot_price_snapshots w
                               WHERE w.pool_id = s.pool_id AND w.captured_at >= $1 AND w.captured_at < $2)
             ORDER BY pool_id",
        [start.into(), end.into()],
    ))
    .all(conn)
    .await?;
    Ok(rows.into_iter().map(|p| p.pool_id).collect())
}

/// Deletes staging rows older than `before`: once consolidated they only
/// serve the backfill's "quiet pool" lookback, which is bounded.
pub async fn prune_staging<C: ConnectionTrait>(conn: &C, before: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(conn
        .execute_raw(sql("DELETE FROM pricing.spot_price_snapshots WHERE captured_at < $1", [before.into()]))
        .await?
        .rows_affected())
}

/// Removes the window's consolidated points (the run rewrites them).
pub async fn clear_window<C: ConnectionTrait>(
    conn: &C,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<(), DbErr> {
    conn.execute_raw(sql(
        "DELETE FROM pricing.pricing_consolidated WHERE bucket_start >= $1 AND bucket_start < $2",
        [start.into(), end.into()],
    ))
    .await?;
    Ok(())
}

/// Writes points of several pools with one statement.
pub async fn insert<C: ConnectionTrait>(
    conn: &C,
    job: Uuid,
    rows: &[(String, ConsolidatedPoint)],
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    conn.execute_raw(sql(
        "INSERT INTO pricing.pricing_consolidated (pool_id, bucket_start, price, source, samples, job_id)
         SELECT p, b, v, s, n, $6 FROM unnest($1::text[], $2::timestamptz[], $3::float8[], $4::text[], $5::int[])
              AS t(p, b, v, s, n)",
        [
            rows.iter().map(|(p, _)| p.clone()).collect::<Vec<String>>().into(),
            rows.iter().map(|(_, c)| c.bucket_start).collect::<Vec<_>>().into(),
            rows.iter().map(|(_, c)| c.price).collect::<Vec<f64>>().into(),
            rows.iter().map(|(_, c)| c.source.as_str().to_owned()).collect::<Vec<String>>().into(),
            rows.iter().map(|(_, c)| c.samples as i32).collect::<Vec<i32>>().into(),
            job.into(),
        ],
    ))
    .await?;
    Ok(())
}
