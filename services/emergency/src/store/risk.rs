//! The newest pool risk from pricing's `PoolRiskUpdated` events.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use spot_platform::store::sql;

/// Keeps the newest assessment of a pool.
pub async fn upsert<C: ConnectionTrait>(
    conn: &C,
    pool: &str,
    score: f64,
    recommendation: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    conn.execute_raw(sql(
        "INSERT INTO emergency.pool_risk (pool_id, score, recommendation, analyzed_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (pool_id) DO UPDATE SET score = EXCLUDED.score, recommendation = EXCLUDED.recommendation,
            analyzed_at = EXCLUDED.analyzed_at WHERE pool_risk.analyzed_at <= EXCLUDED.analyzed_at",
        [pool.into(), score.into(), recommendation.into(), at.into()],
    ))
    .await?;
    Ok(())
}

/// `(score, recommendation)` of a pool, when pricing assessed it.
pub async fn get<C: ConnectionTrait>(conn: &C, pool: &str) -> Result<Option<(f64, String)>, DbErr> {
    let r = conn
        .query_one_raw(sql(
            "SELECT score, recommendation FROM emergency.pool_risk WHERE pool_id = $1",
            [pool.into()],
        ))
        .await?;
    r.map(|r| Ok((r.try_get("", "score")?, r.try_get("", "recommendation")?))).transpose()
}
