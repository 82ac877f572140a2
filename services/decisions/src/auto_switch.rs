//! The auto-switch loop: every `SPOT_DECISIONS_POLL_MS` it evaluates the
//! groups that are due (their timer ran out, or an event pulled them
//! forward), then retries switch commands a crash left unqueued.

use crate::engine::{Engine, act, round};
use chrono::Utc;
use spot_platform::Shutdown;
use std::time::{Duration, Instant};

/// How often decisions left `queueing` are retried.
const RETRY_EVERY: Duration = Duration::from_secs(30);

pub async fn run(engine: Engine, shutdown: Shutdown) {
    let mut last_retry = Instant::now();
    loop {
        match round::run_round(&engine, Utc::now()).await {
            Ok(s) if s.groups > 0 => {
                tracing::info!(
                    groups = s.groups,
                    decided = s.decided,
                    acted = s.acted,
                    skipped = s.skipped,
                    "round"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "evaluation round failed"),
        }
        if last_retry.elapsed() >= RETRY_EVERY {
            last_retry = Instant::now();
            if let Err(e) = act::queue_commands(&engine, None).await {
                tracing::warn!(error = %e, "retrying switch commands failed");
            }
        }
        tokio::select! {
            _ = shutdown.wait() => break,
            _ = tokio::time::sleep(engine.cfg.poll) => {}
        }
    }
}
