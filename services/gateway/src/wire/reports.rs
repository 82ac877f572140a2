//! Pricing and cleanup reports (agent-protocol.md calls 7 and 11): accepted,
//! validated and published; their consumers own the processing.

use crate::error::ApiError;
use serde::Deserialize;
use spot_contracts::v1;
use spot_domain::time::parse_agent_timestamp;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ReportInstance {
    pub instance_id: Option<String>,
    pub instance_type: Option<String>,
    pub region: Option<String>,
    pub az: Option<String>,
    pub mode: Option<String>,
    pub pool_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct Pool {
    pub pool_id: Option<String>,
    pub instance_type: Option<String>,
    pub az: Option<String>,
    pub price: Option<f64>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct Pricing {
    pub on_demand_price: Option<f64>,
    pub current_spot_price: Option<f64>,
    pub cheapest_pool: Option<Pool>,
    pub spot_pools: Option<Vec<Pool>>,
    pub collected_at: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PricingReportRequest {
    pub instance: Option<ReportInstance>,
    pub pricing: Option<Pricing>,
}

fn price(field: &str, v: Option<f64>) -> Result<Option<f64>, ApiError> {
    match v {
        Some(p) if !p.is_finite() || p < 0.0 => {
            Err(ApiError::InvalidField(format!("{field} must be a price >= 0")))
        }
        other => Ok(other),
    }
}

/// An optional timestamp in any format agents send.
fn agent_time(raw: Option<String>) -> Result<Option<spot_contracts::Timestamp>, ApiError> {
    super::clean(raw)
        .map(|t| parse_agent_timestamp(&t).map(spot_platform::time::to_wire))
        .transpose()
        .map_err(|e| ApiError::InvalidField(e.to_string()))
}

fn pool(p: Pool) -> Result<Option<v1::PoolPrice>, ApiError> {
    let Some(pool_id) = super::clean(p.pool_id) else { return Ok(None) };
    let price = price("spot_pools[].price", p.price)?
        .ok_or_else(|| ApiError::InvalidField(format!("pool {pool_id} has no price")))?;
    Ok(Some(v1::PoolPrice {
        pool_id,
        instance_type: super::clean(p.instance_type).unwrap_or_default(),
        az: super::clean(p.az).unwrap_or_default(),
        price,
    }))
}

impl PricingReportRequest {
    pub fn into_event(self, meta: v1::EventMeta) -> Result<v1::PricingReportReceived, ApiError> {
        let instance = self.instance.unwrap_or_default();
        let pricing = self.pricing.ok_or_else(|| ApiError::InvalidField("pricing is required".into()))?;
        let pools = pricing.spot_pools.unwrap_or_default();
        if pools.len() > 500 {
            return Err(ApiError::InvalidField("spot_pools has more than 500 entries".into()));
        }
        let spot_pools =
            pools.into_iter().map(pool).collect::<Result<Vec<_>, _>>()?.into_iter().flatten().collect();
        let collected_at = agent_time(pricing.collected_at)?;
        let mode = match super::clean(instance.mode).as_deref() {
            Some("ondemand") | Some("on-demand") => v1::InstanceMode::OnDemand,
            Some(_) | None => v1::InstanceMode::Spot,
        };
        Ok(v1::PricingReportReceived {
            meta: Some(meta),
            instance_id: super::clean(instance.instance_id).unwrap_or_default(),
            instance_type: super::clean(instance.instance_type).unwrap_or_default(),
            region: super::clean(instance.region).unwrap_or_default(),
            az: super::clean(instance.az).unwrap_or_default(),
            mode: mode as i32,
            pool_id: super::clean(instance.pool_id),
            on_demand_price: price("on_demand_price", pricing.on_demand_price)?,
            current_spot_price: price("current_spot_price", pricing.current_spot_price)?,
            cheapest_pool: pricing.cheapest_pool.map(pool).transpose()?.flatten(),
            spot_pools,
            collected_at,
        })
    }
}

/// `POST /cleanup-report`: sections are free-form JSON objects.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CleanupReportRequest {
    pub timestamp: Option<String>,
    pub snapshots: Option<serde_json::Value>,
    pub amis: Option<serde_json::Value>,
}

fn count(v: &Option<serde_json::Value>, key: &str) -> i32 {
    v.as_ref().and_then(|s| s.get(key)).and_then(|a| a.as_array()).map(|a| a.len() as i32).unwrap_or(0)
}

impl CleanupReportRequest {
    pub fn into_event(self, meta: v1::EventMeta) -> Result<v1::CleanupReportReceived, ApiError> {
        let reported_at = agent_time(self.timestamp)?;
        for (name, section) in [("snapshots", &self.snapshots), ("amis", &self.amis)] {
            if section.as_ref().is_some_and(|s| !s.is_object() && !s.is_null()) {
                return Err(ApiError::InvalidField(format!("{name} must be an object")));
            }
        }
        Ok(v1::CleanupReportReceived {
            meta: Some(meta),
            reported_at,
            deleted_snapshots: count(&self.snapshots, "deleted"),
            deleted_amis: count(&self.amis, "deleted_amis"),
            failed: count(&self.snapshots, "failed") + count(&self.amis, "failed"),
            snapshots_json: self.snapshots.map(|s| s.to_string()).unwrap_or_else(|| "{}".into()),
            amis_json: self.amis.map(|s| s.to_string()).unwrap_or_else(|| "{}".into()),
        })
    }
}
