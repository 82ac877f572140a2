//! What Postgres spends on the bench's own database: CPU of the backends
//! connected to it (from /proc) and its transaction and row counters (from
//! `pg_stat_database`), so the cost is not mixed with other databases.

use super::procs;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::collections::HashMap;

/// Counters at one moment.
#[derive(Debug, Clone, Default)]
pub struct PgMark {
    /// CPU seconds of each backend serving this database, by pid.
    backends: HashMap<u32, f64>,
    commits: i64,
    inserted: i64,
    updated: i64,
    fetched: i64,
    /// Per table: (sequential scans, rows they read, 0); per index: (scans, 0, entries read).
    tables: HashMap<String, (i64, i64, i64)>,
}

/// Differences between two marks.
#[derive(Debug, Clone, Copy, Default)]
pub struct PgWindow {
    /// CPU seconds of this database's backends (backends that came and went
    /// between the marks are missed; the services keep pooled connections).
    pub cpu_secs: f64,
    /// Committed transactions.
    pub commits: i64,
    /// Rows inserted.
    pub inserted: i64,
    /// Rows updated.
    pub updated: i64,
    /// Rows fetched by index or heap.
    pub fetched: i64,
}

/// Reads the counters of `db`'s database now.
pub async fn mark(db: &DatabaseConnection) -> anyhow::Result<PgMark> {
    let pids = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()",
        ))
        .await?;
    let backends = pids
        .iter()
        .filter_map(|r| r.try_get::<i32>("", "pid").ok())
        .filter_map(|pid| u32::try_from(pid).ok())
        .filter_map(|pid| procs::proc_stats(pid).map(|s| (pid, s.cpu_secs)))
        .collect();
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT xact_commit, tup_inserted, tup_updated, tup_fetched
             FROM pg_stat_database WHERE datname = current_database()",
        ))
        .await?;
    let get = |c: &str| row.as_ref().and_then(|r| r.try_get::<i64>("", c).ok()).unwrap_or(0);
    // Tables (sequential scans) and indexes (index scans), as rows of one shape.
    let tables = db
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT schemaname || '.' || relname AS name, COALESCE(seq_scan, 0) AS seq_scan,
                    COALESCE(seq_tup_read, 0) AS seq_tup_read, 0::bigint AS idx_tup_fetch
             FROM pg_stat_user_tables
             UNION ALL
             SELECT schemaname || '.' || indexrelname, idx_scan, 0, idx_tup_read FROM pg_stat_user_indexes",
        ))
        .await?
        .iter()
        .filter_map(|r| {
            let n = |c: &str| r.try_get::<i64>("", c).unwrap_or(0);
            Some((
                r.try_get::<String>("", "name").ok()?,
                (n("seq_scan"), n("seq_tup_read"), n("idx_tup_fetch")),
            ))
        })
        .collect();
    Ok(PgMark {
        tables,
        backends,
        commits: get("xact_commit"),
        inserted: get("tup_inserted"),
        updated: get("tup_updated"),
        fetched: get("tup_fetched"),
    })
}

/// Tables and indexes by rows read between the marks: (name, scans, rows
/// read by sequential scans of a table, entries read from an index), most first.
pub fn table_reads(start: &PgMark, end: &PgMark, n: usize) -> Vec<(String, i64, i64, i64)> {
    let mut v: Vec<_> = end
        .tables
        .iter()
        .map(|(name, (scans, seq_rows, idx_rows))| {
            let (s0, r0, i0) = start.tables.get(name).copied().unwrap_or_default();
            (name.clone(), scans - s0, seq_rows - r0, idx_rows - i0)
        })
        .filter(|t| t.2 + t.3 > 0)
        .collect();
    v.sort_by_key(|t| std::cmp::Reverse(t.2 + t.3));
    v.truncate(n);
    v
}

/// What happened between `start` and `end`.
pub fn window(start: &PgMark, end: &PgMark) -> PgWindow {
    let cpu_secs = end
        .backends
        .iter()
        .map(|(pid, cpu)| cpu - start.backends.get(pid).copied().unwrap_or(0.0))
        .filter(|d| *d > 0.0)
        .sum();
    PgWindow {
        cpu_secs,
        commits: end.commits - start.commits,
        inserted: end.inserted - start.inserted,
        updated: end.updated - start.updated,
        fetched: end.fetched - start.fetched,
    }
}

/// Samples what this database's backends are running every `every` until
/// `stop`: a poor man's profile, counts by the first 80 characters of the
/// statement (whitespace collapsed).
pub async fn sample_active(
    db: DatabaseConnection,
    every: std::time::Duration,
    stop: tokio_util::sync::CancellationToken,
) -> HashMap<String, u64> {
    let mut counts = HashMap::new();
    let mut tick = tokio::time::interval(every);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = tick.tick() => {}
        }
        let Ok(rows) = db
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT query FROM pg_stat_activity
                 WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()",
            ))
            .await
        else {
            continue;
        };
        for r in rows {
            let query: String = r.try_get("", "query").unwrap_or_default();
            let shape: String =
                query.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(80).collect();
            *counts.entry(shape).or_insert(0) += 1;
        }
    }
    counts
}

/// The `n` most sampled statements, with their share of all samples.
pub fn top(counts: &HashMap<String, u64>, n: usize) -> Vec<(String, f64)> {
    let total = counts.values().sum::<u64>().max(1) as f64;
    let mut v: Vec<_> = counts.iter().map(|(q, c)| (q.clone(), *c as f64 / total)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v.truncate(n);
    v
}
