//! `consolidation_jobs` rows.

use super::sql;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use spot_domain::pricing::ConsolidationStats;
use uuid::Uuid;

/// A job as stored.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct JobRow {
    pub id: Uuid,
    pub status: String,
    pub trigger: String,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub pools: i64,
    pub records_processed: i64,
    pub duplicates_removed: i64,
    pub gaps_interpolated: i64,
    pub backfills_added: i64,
    pub backfill: String,
    pub duration_ms: Option<i64>,
    pub error: Option<String>,
    pub started_at: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, status, trigger, window_start, window_end, pools, records_processed, duplicates_removed,
                       gaps_interpolated, backfills_added, backfill, duration_ms, error, started_at";

/// Records a job as running; `None` when another run holds the slot.
pub async fn start<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    trigger: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    bucket_seconds: i32,
) -> Result<Option<JobRow>, DbErr> {
    // A run that died without finishing must not block the slot forever.
    conn.execute_unprepared(
        "UPDATE pricing.consolidation_jobs SET status = 'failed', error = 'abandoned (process stopped mid-run)',
            finished_at = now()
         WHERE status = 'running' AND started_at < now() - interval '1 hour'",
    )
    .await?;
    JobRow::find_by_statement(sql(
        format!(
            "INSERT INTO pricing.consolidation_jobs (id, status, trigger, window_start, window_end, bucket_seconds)
             VALUES ($1, 'running', $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
        ),
        [id.into(), trigger.into(), start.into(), end.into(), bucket_seconds.into()],
    ))
    .one(conn)
    .await
}

/// Records a run that found another one in progress.
pub async fn skipped<C: ConnectionTrait>(
    conn: &C,
    trigger: &str,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    bucket_seconds: i32,
) -> Result<JobRow, DbErr> {
    JobRow::find_by_statement(sql(
        format!(
            "INSERT INTO pricing.consolidation_jobs (id, status, trigger, window_start, window_end, bucket_seconds,
                finished_at, duration_ms, error)
             VALUES ($1, 'skipped', $2, $3, $4, $5, now(), 0, 'another consolidation run is in progress')
             RETURNING {COLUMNS}"
        ),
        [Uuid::now_v7().into(), trigger.into(), start.into(), end.into(), bucket_seconds.into()],
    ))
    .one(conn)
    .await?
    .ok_or_else(|| DbErr::Custom("insert returned nothing".into()))
}

/// How a run ended.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub status: &'static str,
    pub pools: i64,
    pub stats: ConsolidationStats,
    /// What the backfill did ("aws", "skipped: ...").
    pub backfill: String,
    pub duration_ms: i64,
    pub error: Option<String>,
}

/// Marks a job finished.
pub async fn finish<C: ConnectionTrait>(conn: &C, id: Uuid, o: &Outcome) -> Result<Option<JobRow>, DbErr> {
    let stats = &o.stats;
    let update = JobRow::find_by_statement(sql(
        format!(
            "UPDATE pricing.consolidation_jobs SET status = $2, pools = $3, records_processed = $4,
                    duplicates_removed = $5, gaps_interpolated = $6, backfills_added = $7, backfill = $8,
                    duration_ms = $9, error = $10, finished_at = now()
                 WHERE id = $1 RETURNING {COLUMNS}"
        ),
        [
            id.into(),
            o.status.into(),
            o.pools.into(),
            (stats.records as i64).into(),
            (stats.duplicates_removed as i64).into(),
            (stats.gaps_interpolated as i64).into(),
            (stats.backfills_added as i64).into(),
            o.backfill.clone().into(),
            o.duration_ms.into(),
            o.error.clone().into(),
        ],
    ));
    update.one(conn).await
}

/// Newest jobs first.
pub async fn list<C: ConnectionTrait>(conn: &C, limit: i64) -> Result<Vec<JobRow>, DbErr> {
    JobRow::find_by_statement(sql(
        format!("SELECT {COLUMNS} FROM pricing.consolidation_jobs ORDER BY started_at DESC LIMIT $1"),
        [limit.clamp(1, 500).into()],
    ))
    .all(conn)
    .await
}
