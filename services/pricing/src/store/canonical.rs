//! The canonical layer (`pricing_canonical`): three months of consolidated
//! points with region, instance type and AZ split out, what the decision
//! models train on. A run refreshes its window; an operator (or a schema
//! change) can rebuild the whole layer.

use super::sql;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};

/// Canonical rows from consolidated points in `[$1, $2)`.
const FROM_CONSOLIDATED: &str =
    "SELECT pool_id, bucket_start, left(az, -1), left(pool_id, length(pool_id) - length(az) - 1), az, price, source
     FROM (SELECT c.*, reverse(split_part(reverse(c.pool_id), '.', 1)) AS az
           FROM pricing.pricing_consolidated c WHERE c.bucket_start >= $1 AND c.bucket_start < $2) x";

/// Copies the consolidated points of `[start, end)` into `table` (the layer
/// or its replacement); returns how many.
async fn copy<C: ConnectionTrait>(
    conn: &C,
    table: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let insert = format!(
        "INSERT INTO pricing.{table} (pool_id, bucket_start, region, instance_type, az, price, source)
         {FROM_CONSOLIDATED}"
    );
    Ok(conn.execute_raw(sql(insert, [start.into(), end.into()])).await?.rows_affected())
}

/// Copies the window into the canonical layer and drops what is older than
/// the retention (3 months).
pub async fn refresh<C: ConnectionTrait>(
    conn: &C,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<u64, DbErr> {
    conn.execute_raw(sql(
        "DELETE FROM pricing.pricing_canonical WHERE bucket_start >= $1 AND bucket_start < $2",
        [start.into(), end.into()],
    ))
    .await?;
    let copied = copy(conn, "pricing_canonical", start, end).await?;
    conn.execute_unprepared(
        "DELETE FROM pricing.pricing_canonical WHERE bucket_start < now() - interval '3 months'",
    )
    .await?;
    Ok(copied)
}

/// Rebuilds the whole layer from the last three months of consolidated
/// points: loads a new table without indexes, builds them once (much faster
/// than maintaining them row by row), then swaps it in. Run it inside a
/// transaction: readers see the old layer until the commit.
pub async fn rebuild<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> Result<u64, DbErr> {
    conn.execute_unprepared(
        "SET LOCAL maintenance_work_mem = '512MB';
         DROP TABLE IF EXISTS pricing.pricing_canonical_next;
         CREATE TABLE pricing.pricing_canonical_next
             (LIKE pricing.pricing_canonical INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
    )
    .await?;
    let copied = copy(conn, "pricing_canonical_next", now - chrono::Duration::days(92), now).await?;
    conn.execute_unprepared(
        "DELETE FROM pricing.pricing_canonical_next WHERE bucket_start < now() - interval '3 months';
         ALTER TABLE pricing.pricing_canonical_next ADD CONSTRAINT pricing_canonical_next_pkey PRIMARY KEY (pool_id, bucket_start);
         CREATE INDEX pricing_canonical_next_bucket ON pricing.pricing_canonical_next (bucket_start);
         DROP TABLE pricing.pricing_canonical;
         ALTER TABLE pricing.pricing_canonical_next RENAME TO pricing_canonical;
         ALTER TABLE pricing.pricing_canonical RENAME CONSTRAINT pricing_canonical_next_pkey TO pricing_canonical_pkey;
         ALTER INDEX pricing.pricing_canonical_next_bucket RENAME TO pricing_canonical_bucket",
    )
    .await?;
    Ok(copied)
}
