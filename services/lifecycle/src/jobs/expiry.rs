//! Command expiry: an open command whose deadline passed becomes `expired`,
//! audited, and its agent's cached command list is dropped, so it is never
//! handed out again (reads also skip it: `open_for_agent` filters on the
//! deadline). See docs/EMERGENCY.md, "Commands that expire".

use crate::ops::commands::expire_due;
use chrono::Utc;
use sea_orm::DatabaseConnection;
use spot_platform::Shutdown;
use std::time::Duration;

/// How often deadlines are checked: emergency deadlines are two minutes.
const EVERY: Duration = Duration::from_secs(1);
/// Commands expired per transaction.
const BATCH: i64 = 500;

/// Runs the expiry every second until shutdown.
pub async fn run(db: DatabaseConnection, shutdown: Shutdown) {
    loop {
        loop {
            match expire_due(&db, Utc::now(), BATCH).await {
                Ok(n) if n as i64 == BATCH => continue,
                Ok(0) => break,
                Ok(n) => {
                    tracing::info!(commands = n, "commands expired");
                    break;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "command expiry failed");
                    break;
                }
            }
        }
        tokio::select! {
            _ = shutdown.wait() => break,
            _ = tokio::time::sleep(EVERY) => {}
        }
    }
}
