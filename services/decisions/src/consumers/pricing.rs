//! Pricing events (pool risk, finished consolidations) and agents' pricing
//! reports (which pools exist, their on-demand price).

use super::{bad, event_name};
use crate::engine::{Engine, outcomes};
use crate::store::projection;
use chrono::Utc;
use prost::Message;
use sea_orm::DatabaseTransaction;
use spot_contracts::v1;
use spot_platform::bus::{Delivery, HandlerError};
use spot_platform::time::from_wire_opt;
use std::collections::BTreeMap;

fn finished_ok(d: &Delivery) -> Option<v1::ConsolidationFinished> {
    if event_name(d) != "consolidation_finished" {
        return None;
    }
    v1::ConsolidationFinished::decode(d.payload.clone()).ok().filter(|e| e.status == "succeeded")
}

/// A successful consolidation: copy its prices and fill in realised
/// savings (calls pricing's gRPC, so outside the batch transaction).
pub async fn before(engine: &Engine, batch: &[Delivery]) -> Result<(), HandlerError> {
    if !batch.iter().any(|d| finished_ok(d).is_some()) {
        return Ok(());
    }
    let now = Utc::now();
    let copied = outcomes::sync_prices(engine, now).await.map_err(HandlerError)?;
    let realised = outcomes::realise(engine, now).await.map_err(HandlerError::from_display)?;
    tracing::info!(copied, realised, "consolidated prices copied");
    Ok(())
}

fn split_pool(pool: &str) -> Option<(&str, &str)> {
    pool.rsplit_once('.').filter(|(t, az)| !t.is_empty() && !az.is_empty())
}

pub async fn apply(txn: &DatabaseTransaction, batch: &[&Delivery]) -> Result<(), HandlerError> {
    let db = HandlerError::from_display;
    for d in batch {
        match event_name(d) {
            "pool_risk_updated" => {
                let e = v1::PoolRiskUpdated::decode(d.payload.clone()).map_err(bad(d))?;
                let Some(r) = e.risk else { continue };
                let Some((itype, az)) = split_pool(&r.pool_id) else { continue };
                let at = from_wire_opt(&r.analyzed_at).unwrap_or_else(Utc::now);
                if projection::risk(txn, &r.pool_id, itype, az, &r, at).await.map_err(db)? {
                    projection::mark_due(txn, Some(itype), None, at, "risk").await.map_err(db)?;
                }
            }
            "consolidation_finished" if finished_ok(d).is_some() => {
                let at = d_time(d).unwrap_or_else(Utc::now);
                projection::mark_due(txn, None, None, at, "price").await.map_err(db)?;
            }
            _ => {}
        }
    }
    Ok(())
}

fn d_time(d: &Delivery) -> Option<chrono::DateTime<Utc>> {
    let e = v1::ConsolidationFinished::decode(d.payload.clone()).ok()?;
    e.meta.as_ref().and_then(|m| from_wire_opt(&m.occurred_at))
}

/// Pools seen in agents' reports, folded per batch into one upsert.
pub async fn reports(txn: &DatabaseTransaction, batch: &[&Delivery]) -> Result<(), HandlerError> {
    let mut pools: BTreeMap<String, (String, String, Option<f64>)> = BTreeMap::new();
    for d in batch {
        let e = v1::PricingReportReceived::decode(d.payload.clone()).map_err(bad(d))?;
        for p in &e.spot_pools {
            let Some((itype, az)) = split_pool(&p.pool_id) else { continue };
            let entry = pools.entry(p.pool_id.clone()).or_insert((itype.to_owned(), az.to_owned(), None));
            if itype == e.instance_type && e.on_demand_price.is_some() {
                entry.2 = e.on_demand_price;
            }
        }
    }
    let rows: Vec<(String, String, String, Option<f64>)> =
        pools.into_iter().map(|(id, (t, az, od))| (id, t, az, od)).collect();
    projection::pools_seen(txn, &rows).await.map_err(HandlerError::from_display)
}
