//! End-to-end heartbeat lag: a sample of agents is polled in
//! `lifecycle.agents` every few tens of milliseconds; whenever one's
//! `heartbeat_count` grows, the time since its `last_heartbeat_at` (the
//! gateway's receipt, just before it answers 2xx) is one lag sample. The
//! polling period is the resolution (lags are rounded up by at most it).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use std::collections::HashMap;
use std::time::Duration;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Picks up to `n` online agents at random.
pub async fn sample_agents(db: &DatabaseConnection, n: usize) -> anyhow::Result<Vec<Uuid>> {
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT agent_id FROM lifecycle.agents WHERE status = 'online' ORDER BY random() LIMIT $1",
            [(n as i64).into()],
        ))
        .await?;
    Ok(rows.iter().filter_map(|r| r.try_get::<Uuid>("", "agent_id").ok()).collect())
}

/// Lag samples (ms) and how many polls failed.
#[derive(Debug, Default, Clone)]
pub struct LagSamples {
    /// One per observed heartbeat.
    pub lags_ms: Vec<f64>,
    /// Database polls that failed.
    pub poll_errors: u64,
    /// Polls made.
    pub polls: u64,
}

/// Polls `agents` every `every` until `stop` is cancelled.
pub async fn sample(
    db: DatabaseConnection,
    agents: Vec<Uuid>,
    every: Duration,
    stop: CancellationToken,
) -> LagSamples {
    let mut out = LagSamples::default();
    let mut seen: HashMap<Uuid, i64> = HashMap::new();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = tick.tick() => {}
        }
        out.polls += 1;
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT agent_id, heartbeat_count, last_heartbeat_at FROM lifecycle.agents
                 WHERE agent_id = ANY($1::uuid[])",
                [agents.clone().into()],
            ))
            .await;
        let now = Utc::now();
        let Ok(rows) = rows else {
            out.poll_errors += 1;
            continue;
        };
        for r in rows {
            let (Ok(id), Ok(count), Ok(Some(at))) = (
                r.try_get::<Uuid>("", "agent_id"),
                r.try_get::<i64>("", "heartbeat_count"),
                r.try_get::<Option<DateTime<Utc>>>("", "last_heartbeat_at"),
            ) else {
                continue;
            };
            // The first sight of an agent only sets its baseline.
            if let Some(before) = seen.insert(id, count)
                && count > before
            {
                out.lags_ms.push(((now - at).num_microseconds().unwrap_or(0) as f64 / 1000.0).max(0.0));
            }
        }
    }
    out
}

/// The `q` quantile of unsorted samples (NaN when empty).
pub fn quantile(samples: &[f64], q: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let rank = ((q.clamp(0.0, 1.0) * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted.get(rank - 1).copied().unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn quantiles_of_samples() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), 50.0);
        assert_eq!(quantile(&v, 0.99), 99.0);
        assert_eq!(quantile(&v, 1.0), 100.0);
        assert!(quantile(&[], 0.5).is_nan());
    }
}
