//! Pool risk: inputs from staging (24 h prices) and interruptions (30 days),
//! history rows, and the current value per pool.

use super::sql;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use spot_domain::pricing::PoolRisk;

/// Per pool: the last 24 h of prices, 30-day interruptions, on-demand price.
#[derive(Debug, Clone, FromQueryResult)]
pub struct RiskInput {
    pub pool_id: String,
    pub prices: Vec<f64>,
    #[sea_orm(from_alias = "interruptions")]
    pub interruptions_30d: i64,
    #[sea_orm(from_alias = "on_demand")]
    pub on_demand_price: Option<f64>,
}

/// Inputs of every pool with a price in the 24 h before `now`.
pub async fn inputs<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> Result<Vec<RiskInput>, DbErr> {
    RiskInput::find_by_statement(sql(
        "SELECT s.pool_id, array_agg(s.price ORDER BY s.captured_at) AS prices,
                (SELECT count(*) FROM pricing.pool_interruptions i
                 WHERE i.pool_id = s.pool_id AND i.occurred_at >= $1 - interval '30 days') AS interruptions,
                (SELECT o.price FROM pricing.on_demand_prices o
                 WHERE o.region = min(s.region) AND o.instance_type = min(s.instance_type)) AS on_demand
         FROM pricing.spot_price_snapshots s
         WHERE s.captured_at >= $1 - interval '24 hours' AND s.captured_at < $1
         GROUP BY s.pool_id ORDER BY s.pool_id",
        [now.into()],
    ))
    .all(conn)
    .await
}

/// Appends one assessment (idempotent per pool and time).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    pool: &str,
    at: DateTime<Utc>,
    r: &PoolRisk,
) -> Result<(), DbErr> {
    conn.execute_raw(sql(
        "INSERT INTO pricing.pool_risk_analysis (pool_id, analyzed_at, volatility, min_price, avg_price, max_price,
            interruptions_30d, score, recommendation)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (pool_id, analyzed_at) DO NOTHING",
        [
            pool.into(),
            at.into(),
            r.volatility.into(),
            r.min.into(),
            r.avg.into(),
            r.max.into(),
            (r.interruptions_30d as i32).into(),
            r.score.into(),
            r.recommendation.as_str().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// A stored assessment.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct RiskRow {
    pub pool_id: String,
    pub analyzed_at: DateTime<Utc>,
    pub volatility: f64,
    pub min_price: f64,
    pub avg_price: f64,
    pub max_price: f64,
    pub interruptions_30d: i32,
    pub score: f64,
    pub recommendation: String,
}

/// The newest assessment of each requested pool (every pool when empty).
pub async fn current<C: ConnectionTrait>(conn: &C, pools: &[String]) -> Result<Vec<RiskRow>, DbErr> {
    RiskRow::find_by_statement(sql(
        "SELECT DISTINCT ON (pool_id) pool_id, analyzed_at, volatility, min_price, avg_price, max_price,
                interruptions_30d, score, recommendation
         FROM pricing.pool_risk_analysis
         WHERE cardinality($1::text[]) = 0 OR pool_id = ANY($1)
         ORDER BY pool_id, analyzed_at DESC",
        [pools.to_vec().into()],
    ))
    .all(conn)
    .await
}
