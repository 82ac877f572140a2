//! Pool risk assessment: one row per pool per run, published as events.

use crate::store::risk;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use spot_contracts::v1;
use spot_domain::pricing::{RiskInputs, assess};
use spot_platform::store::enqueue;
use uuid::Uuid;

/// Assesses every pool with prices in the last 24 h; returns how many.
pub async fn run(db: &DatabaseConnection, now: DateTime<Utc>) -> Result<usize, DbErr> {
    let inputs = risk::inputs(db, now).await?;
    let txn = db.begin().await?;
    let mut done = 0;
    for input in inputs {
        let Some(r) = assess(&RiskInputs {
            prices_24h: input.prices.clone(),
            interruptions_30d: u32::try_from(input.interruptions_30d).unwrap_or(u32::MAX),
            on_demand_price: input.on_demand_price,
        }) else {
            continue;
        };
        risk::record(&txn, &input.pool_id, now, &r).await?;
        let event = v1::PoolRiskUpdated {
            meta: Some(v1::EventMeta {
                event_id: Uuid::now_v7().to_string(),
                occurred_at: Some(spot_platform::time::to_wire(now)),
                client_id: "_".into(),
                agent_id: String::new(),
                producer: crate::NAME.to_owned(),
                request_id: String::new(),
            }),
            risk: Some(v1::PoolRisk {
                pool_id: input.pool_id.clone(),
                volatility: r.volatility,
                min_price: r.min,
                avg_price: r.avg,
                max_price: r.max,
                interruptions_30d: r.interruptions_30d as i32,
                score: r.score,
                recommendation: r.recommendation.as_str().to_owned(),
                analyzed_at: Some(spot_platform::time::to_wire(now)),
            }),
        };
        enqueue(&txn, crate::SCHEMA, &event).await?;
        done += 1;
    }
    txn.commit().await?;
    Ok(done)
}
