//! After a consolidation: copy the new consolidated prices from pricing's
//! gRPC into the local window table, then fill in the realised savings of
//! executed switches from them (what the new placement cost against what
//! staying would have cost, bucket by bucket).

use super::Engine;
use crate::store::{decisions, reads};
use chrono::{DateTime, Duration, Utc};
use spot_contracts::v1;
use spot_domain::decisions::{Side, realised_savings};
use spot_platform::time::{from_wire_opt, to_wire};
use std::collections::BTreeMap;

/// Consolidation re-runs its last 12 hours; re-fetch that much (and a bit).
const REFETCH: Duration = Duration::hours(13);

/// Copies every known pool's consolidated points since its last sync.
pub async fn sync_prices(engine: &Engine, now: DateTime<Utc>) -> Result<usize, String> {
    let pools = reads::pool_sync_state(&engine.db).await.map_err(|e| e.to_string())?;
    let oldest = now - Duration::days(7);
    let mut copied = 0;
    for (pool, synced) in pools {
        let from = synced.map_or(oldest, |s| (s - REFETCH).max(oldest));
        let req = v1::PriceHistoryRequest {
            pool_id: pool.clone(),
            from: Some(to_wire(from)),
            // Simulated agents stamp prices ahead of the clock; a day of slack
            // costs nothing when clocks agree.
            to: Some(to_wire(now + Duration::days(1))),
            limit: 50_000,
        };
        let history = match engine.pricing.clone().get_price_history(req).await {
            Ok(h) => h.into_inner(),
            Err(s) if s.code() == tonic::Code::InvalidArgument => continue,
            Err(s) => return Err(format!("pricing history of {pool}: {s}")),
        };
        let points: Vec<(DateTime<Utc>, f64, String)> = history
            .points
            .into_iter()
            .filter_map(|p| Some((from_wire_opt(&p.bucket_start)?, p.price, p.source)))
            .filter(|(_, price, source)| {
                price.is_finite()
                    && *price > 0.0
                    && matches!(source.as_str(), "agent" | "interpolated" | "backfilled")
            })
            .collect();
        copied += points.len();
        reads::store_points(&engine.db, &pool, from, &points, now).await.map_err(|e| e.to_string())?;
    }
    Ok(copied)
}

/// Recomputes the realised savings of switches executed in the last 7 days.
pub async fn realise(engine: &Engine, now: DateTime<Utc>) -> Result<usize, sea_orm::DbErr> {
    let rows = decisions::realising(&engine.db, now).await?;
    let mut updated = 0;
    for r in rows {
        let pools: Vec<String> =
            [r.from_pool_id.clone(), r.target_pool_id.clone()].into_iter().flatten().collect();
        let points = reads::points(&engine.db, &pools, r.executed_at - engine.price_bucket).await?;
        let series = |pool: &Option<String>| -> BTreeMap<DateTime<Utc>, f64> {
            pool.as_ref()
                .and_then(|p| points.get(p))
                .map(|pts| pts.iter().map(|p| (p.at, p.price)).collect())
                .unwrap_or_default()
        };
        let (from_series, to_series) = (series(&r.from_pool_id), series(&r.target_pool_id));
        fn side<'a>(
            mode: &Option<String>,
            s: &'a BTreeMap<DateTime<Utc>, f64>,
            od: Option<f64>,
        ) -> Option<Side<'a>> {
            if mode.as_deref() == Some("ondemand") { od.map(Side::OnDemand) } else { Some(Side::Pool(s)) }
        }
        let (Some(stay), Some(moved)) = (
            side(&r.from_mode, &from_series, r.on_demand_price),
            side(&r.target_mode, &to_series, r.on_demand_price),
        ) else {
            continue;
        };
        // Up to the newest consolidated bucket: savings are filled in as the
        // data arrives, never extrapolated to the present.
        let newest =
            from_series.keys().next_back().into_iter().chain(to_series.keys().next_back()).max().copied();
        let end = newest.map_or(now, |t| t + engine.price_bucket);
        if let Some((saving, hours)) =
            realised_savings(&stay, &moved, r.executed_at, end, engine.price_bucket)
        {
            decisions::set_realised(&engine.db, r.id, saving, hours).await?;
            updated += 1;
        }
    }
    Ok(updated)
}
