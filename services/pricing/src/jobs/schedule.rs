//! The timers that drive the jobs.

use crate::consolidation::Consolidator;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use spot_platform::Shutdown;
use std::time::Duration;

async fn sleep_or_stop(shutdown: &Shutdown, d: Duration) -> bool {
    tokio::select! {
        _ = shutdown.wait() => false,
        _ = tokio::time::sleep(d) => true,
    }
}

/// Consolidates the last `window` every `every`.
pub async fn consolidation(c: Consolidator, every: Duration, window: Duration, shutdown: Shutdown) {
    while sleep_or_stop(&shutdown, every).await {
        let end = Utc::now();
        let start = end - chrono::Duration::from_std(window).unwrap_or(chrono::Duration::hours(12));
        if let Err(e) = c.run("schedule", start, end).await {
            tracing::error!(error = %e, "scheduled consolidation failed");
        }
    }
}

/// Pool risk every `every`.
pub async fn risk(db: DatabaseConnection, every: Duration, shutdown: Shutdown) {
    loop {
        match super::risk::run(&db, Utc::now()).await {
            Ok(n) => tracing::debug!(pools = n, "pool risk assessed"),
            Err(e) => tracing::warn!(error = %e, "pool risk run failed"),
        }
        if !sleep_or_stop(&shutdown, every).await {
            break;
        }
    }
}

/// Savings of today (so far) and yesterday, hourly.
pub async fn savings(db: DatabaseConnection, report_interval: Duration, shutdown: Shutdown) {
    loop {
        let today = Utc::now().date_naive();
        for day in [today.pred_opt().unwrap_or(today), today] {
            if let Err(e) = super::savings::run_day(&db, day, report_interval).await {
                tracing::warn!(error = %e, %day, "savings run failed");
            }
        }
        if !sleep_or_stop(&shutdown, Duration::from_secs(3600)).await {
            break;
        }
    }
}
