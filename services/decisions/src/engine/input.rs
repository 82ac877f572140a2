//! Building a [`DecisionInput`] from the projections. Pools and their
//! 7-day windows are loaded once per instance type and round and shared by
//! every group of that type; each window's digest is computed once too, so
//! the input digest of a group costs a few hundred bytes of hashing.

use crate::store::reads::{self, GroupHistory, GroupRow};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use spot_domain::decisions::{
    DecisionInput, DecisionSettings, History, INPUT_SCHEMA_VERSION, InstanceFeatures, PoolWindow, RiskLevel,
};
use std::collections::HashMap;
use std::sync::Arc;

/// The pools of one instance type with their windows.
#[derive(Debug, Clone, Default)]
pub struct TypePools {
    pub windows: Vec<(String, PoolWindow, String)>,
    pub on_demand: Option<f64>,
}

/// Per-round cache of [`TypePools`].
#[derive(Debug, Default)]
pub struct PoolCache {
    by_type: HashMap<String, Arc<TypePools>>,
}

impl PoolCache {
    pub async fn get<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        instance_type: &str,
        now: DateTime<Utc>,
    ) -> Result<Arc<TypePools>, DbErr> {
        if let Some(p) = self.by_type.get(instance_type) {
            return Ok(p.clone());
        }
        let pools = reads::pools_of_type(conn, instance_type).await?;
        let ids: Vec<String> = pools.iter().map(|p| p.pool_id.clone()).collect();
        let mut points = reads::points(conn, &ids, now - Duration::days(7)).await?;
        let mut out = TypePools {
            on_demand: pools.iter().filter_map(|p| p.on_demand_price).reduce(f64::max),
            ..TypePools::default()
        };
        for p in pools {
            let window = PoolWindow {
                risk: RiskLevel::parse(&p.risk),
                risk_score: p.risk_score.filter(|s| (0.0..=1.0).contains(s)),
                interruptions_30d: u32::try_from(p.interruptions_30d).unwrap_or(0),
                points: points.remove(&p.pool_id).unwrap_or_default(),
                pool_id: p.pool_id,
            };
            let mut h = Sha256::new();
            for pt in &window.points {
                h.update(pt.at.timestamp().to_le_bytes());
                h.update(pt.price.to_le_bytes());
                h.update([pt.source as u8]);
            }
            out.windows.push((p.az, window, hex::encode(&h.finalize()[..12])));
        }
        let shared = Arc::new(out);
        self.by_type.insert(instance_type.to_owned(), shared.clone());
        Ok(shared)
    }
}

/// Why no input could be built (the group is skipped this round).
pub type Skip = &'static str;

/// The input for `g`, with its stored summary and digest.
pub fn build(
    g: &GroupRow,
    h: &GroupHistory,
    pools: &TypePools,
    now: DateTime<Utc>,
) -> Result<(DecisionInput, Value, String), Skip> {
    let instance_type = g.instance_type.clone().ok_or("no PRIMARY known")?;
    let on_demand = pools.on_demand.ok_or("no on-demand price known for the instance type")?;
    let region = g.region.clone().unwrap_or_default();
    let picked: Vec<&(String, PoolWindow, String)> =
        pools.windows.iter().filter(|(az, _, _)| region.is_empty() || az.starts_with(&region)).collect();
    if picked.is_empty() {
        return Err("no candidate pool known");
    }
    let mode = g.mode.clone().unwrap_or_else(|| "spot".into());
    let current_price = match g.pool_id.as_deref() {
        Some(p) if mode == "spot" => {
            picked.iter().find(|c| c.1.pool_id == p).and_then(|c| c.1.latest_price())
        }
        _ => Some(on_demand),
    };
    let hours =
        |t: Option<DateTime<Utc>>| t.map_or(0.0, |t| ((now - t).num_seconds().max(0)) as f64 / 3600.0);
    let input = DecisionInput {
        schema_version: INPUT_SCHEMA_VERSION,
        group_id: g.group_id,
        now,
        instance: InstanceFeatures {
            role: "PRIMARY".into(),
            instance_type,
            region,
            az: g.az.clone().unwrap_or_default(),
            mode,
            pool_id: g.pool_id.clone(),
            uptime_hours: hours(g.primary_since),
            hours_in_pool: hours(g.pool_since),
            cost_delta_per_hour: current_price.map_or(0.0, |p| p - on_demand),
        },
        on_demand_price: on_demand,
        candidates: picked.iter().map(|c| c.1.clone()).collect(),
        settings: DecisionSettings {
            auto_switch: g.auto_switch,
            manual_replica: g.manual_replica,
            auto_terminate: g.auto_terminate,
            min_savings_percent: g.min_savings_percent,
            max_switches_per_week: g.max_switches_per_week,
            min_pool_duration_hours: g.min_pool_duration_hours,
            availability_target_percent: g.availability_target_percent,
        },
        history: History {
            switches_last_week: h.switches_last_week,
            interruptions_7d: h.interruptions_7d,
            notice_open: h.notice_open,
            command_pending: h.command_pending,
            last_failover_at: g.last_failover_at,
            return_to_spot: g.return_to_spot,
        },
    };
    let summary = json!({
        "schema_version": INPUT_SCHEMA_VERSION,
        "instance": input.instance,
        "on_demand_price": on_demand,
        "settings": input.settings,
        "history": input.history,
        "pools": picked.iter().map(|(_, w, digest)| json!({
            "pool_id": w.pool_id,
            "risk": w.risk,
            "risk_score": w.risk_score,
            "interruptions_30d": w.interruptions_30d,
            "points": w.points.len(),
            "latest_price": w.latest_price(),
            "window_digest": digest,
        })).collect::<Vec<_>>(),
    });
    let digest = hex::encode(Sha256::digest(summary.to_string().as_bytes()));
    Ok((input, summary, digest))
}
