//! Measured boot times per pool.

use sea_orm::{ConnectionTrait, DbErr};
use spot_domain::emergency::BootStats;
use spot_domain::pricing::Recommendation;
use spot_platform::store::sql;

/// Records one boot (idempotent per `key`, e.g. `switch:<id>`).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    pool: &str,
    seconds: f64,
    source: &str,
) -> Result<(), DbErr> {
    if !seconds.is_finite() || seconds < 0.0 || pool.is_empty() {
        return Ok(());
    }
    conn.execute_raw(sql(
        "INSERT INTO emergency.boot_samples (sample_key, pool_id, seconds, source) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sample_key) DO NOTHING",
        [key.into(), pool.into(), seconds.into(), source.into()],
    ))
    .await?;
    Ok(())
}

/// Every pool of `instance_type` this service knows (boot samples of the
/// last 30 days, or a risk assessment from pricing), with boot statistics
/// and current risk.
pub async fn stats<C: ConnectionTrait>(conn: &C, instance_type: &str) -> Result<Vec<BootStats>, DbErr> {
    let rows = conn
        .query_all_raw(sql(
            "WITH boots AS (
                 SELECT pool_id, count(*) AS n, avg(seconds) AS avg_seconds FROM emergency.boot_samples
                 WHERE left(pool_id, length($1) + 1) = $1 || '.' AND observed_at > now() - interval '30 days'
                 GROUP BY pool_id),
             risks AS (
                 SELECT pool_id, score, recommendation FROM emergency.pool_risk
                 WHERE left(pool_id, length($1) + 1) = $1 || '.')
             SELECT pool_id, COALESCE(b.n, 0) AS n, COALESCE(b.avg_seconds, 'NaN'::float8) AS avg_seconds,
                    r.recommendation, r.score
             FROM boots b FULL JOIN risks r USING (pool_id)",
            [instance_type.into()],
        ))
        .await?;
    rows.iter()
        .map(|r| {
            let rec: Option<String> = r.try_get("", "recommendation")?;
            Ok(BootStats {
                pool_id: r.try_get("", "pool_id")?,
                samples: u32::try_from(r.try_get::<i64>("", "n")?).unwrap_or(u32::MAX),
                avg_seconds: r.try_get("", "avg_seconds")?,
                recommendation: rec.as_deref().and_then(|s| match s {
                    "safe" => Some(Recommendation::Safe),
                    "caution" => Some(Recommendation::Caution),
                    "avoid" => Some(Recommendation::Avoid),
                    _ => None,
                }),
                risk_score: r.try_get("", "score")?,
            })
        })
        .collect()
}
