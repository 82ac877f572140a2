//! The consolidation run: staging -> `pricing_consolidated` -> canonical.
//!
//! One run at a time across replicas (a unique "running" row plus a
//! transaction-scoped advisory lock). Staging is streamed pool by pool on one
//! connection (memory holds one pool's points), while a second connection
//! holds the write transaction: clear the window, write each pool's points,
//! refresh the canonical layer, record the job and its event. Any error rolls
//! the write transaction back, so a failed run changes nothing but its job row.

pub mod backfill;

use crate::store::consolidated::StagedPrice;
use crate::store::{canonical, consolidated, jobs};
use backfill::Backfill;
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, TransactionTrait};
use spot_contracts::v1;
use spot_domain::pricing::{
    ConsolidatedPoint, ConsolidationStats, PoolId, RawPoint, Window, consolidate_pool,
};
use spot_platform::store::enqueue;
use std::time::Instant;
use uuid::Uuid;

/// What a run needs.
#[derive(Debug, Clone)]
pub struct Consolidator {
    pub db: DatabaseConnection,
    pub backfill: Backfill,
    pub bucket: Duration,
}

/// Rows buffered before one multi-row insert.
const FLUSH_ROWS: usize = 20_000;

/// Staging kept behind a run's window start: the backfill's quiet-pool
/// lookback (7 days) plus a day of slack for late or re-run windows.
const STAGING_RETENTION: Duration = Duration::days(8);

/// Advisory lock key of the consolidation slot.
const LOCK_KEY: i64 = 0x5350_4f54_434f_4e53; // "SPOTCONS"

#[derive(Debug, Default)]
struct Progress {
    stats: ConsolidationStats,
    pools: i64,
    buffer: Vec<(String, ConsolidatedPoint)>,
    backfill_errors: u64,
}

impl Consolidator {
    /// Runs one consolidation of `[start, end)` and returns the job row.
    pub async fn run(
        &self,
        trigger: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<jobs::JobRow, DbErr> {
        let window = Window::new(start, end, self.bucket).map_err(|e| DbErr::Custom(e.to_string()))?;
        let bucket_seconds = i32::try_from(self.bucket.num_seconds()).unwrap_or(300);
        let id = Uuid::now_v7();
        let Some(_) = jobs::start(&self.db, id, trigger, window.start, window.end, bucket_seconds).await?
        else {
            return jobs::skipped(&self.db, trigger, window.start, window.end, bucket_seconds).await;
        };
        let started = Instant::now();
        let txn = self.db.begin().await?;
        let outcome = self.consolidate(&txn, id, &window).await;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        match outcome {
            Ok(progress) => {
                let backfill = match (self.backfill.describe(), progress.backfill_errors) {
                    (label, 0) => label.to_owned(),
                    (label, n) => format!("{label}: {n} pool(s) failed, left as gaps"),
                };
                enqueue(
                    &txn,
                    crate::SCHEMA,
                    &finished_event(id, "succeeded", &progress.stats, duration_ms, ""),
                )
                .await?;
                let outcome = jobs::Outcome {
                    status: "succeeded",
                    pools: progress.pools,
                    stats: progress.stats,
                    backfill,
                    duration_ms,
                    error: None,
                };
                let row = jobs::finish(&txn, id, &outcome).await?;
                txn.commit().await?;
                tracing::info!(job = %id, pools = progress.pools, records = progress.stats.records, duration_ms, "consolidation succeeded");
                row.ok_or_else(|| DbErr::Custom("job row vanished".into()))
            }
            Err(e) => {
                txn.rollback().await?;
                let message = e.to_string();
                tracing::error!(job = %id, error = %message, "consolidation failed, nothing changed");
                let fail = self.db.begin().await?;
                enqueue(
                    &fail,
                    crate::SCHEMA,
                    &finished_event(id, "failed", &ConsolidationStats::default(), duration_ms, &message),
                )
                .await?;
                let outcome = jobs::Outcome {
                    status: "failed",
                    duration_ms,
                    error: Some(message),
                    ..jobs::Outcome::default()
                };
                let row = jobs::finish(&fail, id, &outcome).await?;
                fail.commit().await?;
                row.ok_or_else(|| DbErr::Custom("job row vanished".into()))
            }
        }
    }

    async fn consolidate<C: ConnectionTrait>(
        &self,
        txn: &C,
        job: Uuid,
        window: &Window,
    ) -> Result<Progress, DbErr> {
        #[derive(FromQueryResult)]
        struct Lock {
            locked: bool,
        }
        let lock = Lock::find_by_statement(crate::store::sql(
            "SELECT pg_try_advisory_xact_lock($1) AS locked",
            [LOCK_KEY.into()],
        ));
        let locked = lock.one(txn).await?.is_some_and(|l| l.locked);
        if !locked {
            return Err(DbErr::Custom("another consolidation run holds the lock".into()));
        }
        consolidated::clear_window(txn, window.start, window.end).await?;
        let mut progress = Progress::default();
        let staged = StagedPrice::find_by_statement(crate::store::sql(
            consolidated::staging_stream_sql(),
            [window.start.into(), window.end.into()],
        ));
        let mut stream = staged.stream(&self.db).await?;
        let mut current: Option<String> = None;
        let mut points: Vec<RawPoint> = Vec::new();
        while let Some(row) = stream.next().await {
            let row = row?;
            let pool = row.pool_id;
            if current.as_deref() != Some(pool.as_str()) {
                if let Some(done) = current.take() {
                    self.finish_pool(txn, job, window, &done, &points, &mut progress).await?;
                }
                points.clear();
                current = Some(pool);
            }
            points.push(RawPoint { at: row.captured_at, price: row.price, role: row.reporter_role });
        }
        drop(stream);
        if let Some(done) = current.take() {
            self.finish_pool(txn, job, window, &done, &points, &mut progress).await?;
        }
        if !matches!(self.backfill, Backfill::Off) {
            for pool in consolidated::quiet_pools(&self.db, window.start, window.end).await? {
                self.finish_pool(txn, job, window, &pool, &[], &mut progress).await?;
            }
        }
        consolidated::insert(txn, job, &progress.buffer).await?;
        progress.buffer.clear();
        canonical::refresh(txn, window.start, window.end).await?;
        consolidated::prune_staging(txn, window.start - STAGING_RETENTION).await?;
        Ok(progress)
    }

    async fn finish_pool<C: ConnectionTrait>(
        &self,
        txn: &C,
        job: Uuid,
        window: &Window,
        pool: &str,
        points: &[RawPoint],
        progress: &mut Progress,
    ) -> Result<(), DbErr> {
        let Ok(pool_id) = PoolId::parse(pool) else { return Ok(()) };
        let buckets = window.buckets().count();
        let covered =
            points.iter().map(|p| window.bucket_of(p.at)).collect::<std::collections::HashSet<_>>().len();
        let history = if covered < buckets {
            match self.backfill.history(&pool_id, window.start, window.end).await {
                Ok(h) => h,
                Err(e) => {
                    tracing::warn!(pool, error = %e, "backfill failed for pool");
                    progress.backfill_errors += 1;
                    Vec::new()
                }
            }
        } else {
            Vec::new()
        };
        let (out, stats) = consolidate_pool(window, points, &history);
        progress.stats.records += stats.records;
        progress.stats.duplicates_removed += stats.duplicates_removed;
        progress.stats.gaps_interpolated += stats.gaps_interpolated;
        progress.stats.backfills_added += stats.backfills_added;
        if !out.is_empty() {
            progress.pools += 1;
        }
        progress.buffer.extend(out.into_iter().map(|p| (pool.to_owned(), p)));
        if progress.buffer.len() >= FLUSH_ROWS {
            consolidated::insert(txn, job, &progress.buffer).await?;
            progress.buffer.clear();
        }
        Ok(())
    }
}

fn finished_event(
    job: Uuid,
    status: &str,
    s: &ConsolidationStats,
    duration_ms: i64,
    error: &str,
) -> v1::ConsolidationFinished {
    v1::ConsolidationFinished {
        meta: Some(v1::EventMeta {
            event_id: Uuid::now_v7().to_string(),
            occurred_at: Some(spot_platform::time::now_wire()),
            client_id: "_".into(),
            agent_id: String::new(),
            producer: crate::NAME.to_owned(),
            request_id: String::new(),
        }),
        job_id: job.to_string(),
        status: status.to_owned(),
        records_processed: s.records as i64,
        duplicates_removed: s.duplicates_removed as i64,
        gaps_interpolated: s.gaps_interpolated as i64,
        backfills_added: s.backfills_added as i64,
        duration_ms,
        error: error.to_owned(),
    }
}
