//! Current prices for the operators' dashboard: the newest reported spot
//! price of every pool of some instance types, and their on-demand prices.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};

/// How far back a reported price still counts as current.
pub const FRESH_FOR: &str = "7 days";

/// Newest spot price of one pool.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct PoolPriceRow {
    pub pool_id: String,
    pub instance_type: String,
    pub region: String,
    pub az: String,
    pub price: f64,
    pub captured_at: DateTime<Utc>,
}

/// On-demand price of an instance type in a region.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct OnDemandRow {
    pub instance_type: String,
    pub region: String,
    pub price: f64,
}

/// Newest price per pool of the `(instance_type, region)` pairs, cheapest first.
pub async fn pools<C: ConnectionTrait>(
    conn: &C,
    types: &[(String, String)],
) -> Result<Vec<PoolPriceRow>, DbErr> {
    of_types(
        format!(
            "SELECT * FROM (
                    SELECT DISTINCT ON (s.pool_id) s.pool_id, s.instance_type, s.region, s.az, s.price, s.captured_at
                    FROM pricing.spot_price_snapshots s
                    JOIN unnest($1::text[], $2::text[]) AS q(instance_type, region)
                      ON q.instance_type = s.instance_type AND q.region = s.region
                    WHERE s.captured_at > now() - interval '{FRESH_FOR}'
                    ORDER BY s.pool_id, s.captured_at DESC, s.received_at DESC
                 ) p ORDER BY p.price, p.pool_id"
        ),
        conn,
        types,
    )
    .await
}

/// On-demand prices of the `(instance_type, region)` pairs we know.
pub async fn on_demand<C: ConnectionTrait>(
    conn: &C,
    types: &[(String, String)],
) -> Result<Vec<OnDemandRow>, DbErr> {
    of_types(
        "SELECT o.instance_type, o.region, o.price FROM pricing.on_demand_prices o
             JOIN unnest($1::text[], $2::text[]) AS q(instance_type, region)
               ON q.instance_type = o.instance_type AND q.region = o.region",
        conn,
        types,
    )
    .await
}

/// Rows of `sql` for the `(instance_type, region)` pairs, bound as the
/// arrays `$1` (types) and `$2` (regions); none without pairs.
async fn of_types<R: FromQueryResult, C: ConnectionTrait>(
    sql: impl Into<String>,
    conn: &C,
    types: &[(String, String)],
) -> Result<Vec<R>, DbErr> {
    if types.is_empty() {
        return Ok(Vec::new());
    }
    let (kinds, regions): (Vec<String>, Vec<String>) = types.iter().cloned().unzip();
    R::find_by_statement(super::sql(sql, [kinds.into(), regions.into()])).all(conn).await
}
