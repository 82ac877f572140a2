//! `POST /api/agents/{id}/switch-report` (agent-protocol.md call 5).

use crate::error::ApiError;
use serde::Deserialize;
use spot_contracts::v1;
use spot_domain::time::parse_agent_timestamp;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SwitchSide {
    pub instance_id: Option<String>,
    pub instance_type: Option<String>,
    pub region: Option<String>,
    pub az: Option<String>,
    pub ami_id: Option<String>,
    pub mode: Option<String>,
    pub pool_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct Snapshot {
    pub used: Option<bool>,
    pub ami_id: Option<String>,
    pub ami_name: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct Prices {
    pub on_demand: Option<f64>,
    pub old_spot: Option<f64>,
    pub new_spot: Option<f64>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct Timing {
    pub switch_initiated_at: Option<String>,
    pub snapshot_created_at: Option<String>,
    pub ami_created_at: Option<String>,
    pub new_instance_launched_at: Option<String>,
    pub new_instance_ready_at: Option<String>,
    pub traffic_switched_at: Option<String>,
    pub old_instance_terminated_at: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct SwitchReportRequest {
    pub old_instance: Option<SwitchSide>,
    pub new_instance: Option<SwitchSide>,
    pub snapshot: Option<Snapshot>,
    pub prices: Option<Prices>,
    pub timing: Option<Timing>,
    pub trigger: Option<String>,
    pub request_id: Option<String>,
}

fn side(s: SwitchSide) -> v1::SwitchInstance {
    let c = |v: Option<String>| super::clean(v).unwrap_or_default();
    v1::SwitchInstance {
        instance_id: c(s.instance_id),
        instance_type: c(s.instance_type),
        region: c(s.region),
        az: c(s.az),
        ami_id: c(s.ami_id),
        mode: c(s.mode),
        pool_id: c(s.pool_id),
    }
}

fn at(field: &str, raw: Option<String>) -> Result<Option<spot_contracts::Timestamp>, ApiError> {
    match super::clean(raw) {
        None => Ok(None),
        Some(text) => parse_agent_timestamp(&text)
            .map(|t| Some(spot_platform::time::to_wire(t)))
            .map_err(|_| ApiError::InvalidField(format!("timing.{field} is not a timestamp: {text:?}"))),
    }
}

fn price(field: &str, v: Option<f64>) -> Result<Option<f64>, ApiError> {
    match v {
        Some(p) if !p.is_finite() || p < 0.0 => {
            Err(ApiError::InvalidField(format!("prices.{field} must be >= 0")))
        }
        other => Ok(other),
    }
}

impl SwitchReportRequest {
    /// Validates and builds the lifecycle call.
    pub fn into_grpc(
        self,
        agent: v1::AgentRef,
        header_request_id: String,
    ) -> Result<v1::SwitchReportRequest, ApiError> {
        let old = self
            .old_instance
            .map(side)
            .ok_or_else(|| ApiError::InvalidField("old_instance is required".into()))?;
        let new = self
            .new_instance
            .map(side)
            .ok_or_else(|| ApiError::InvalidField("new_instance is required".into()))?;
        if old.instance_id.is_empty() || new.instance_id.is_empty() {
            return Err(ApiError::InvalidField(
                "old_instance.instance_id and new_instance.instance_id are required".into(),
            ));
        }
        let t = self.timing.unwrap_or_default();
        let snapshot = self.snapshot.unwrap_or_default();
        let prices = self.prices.unwrap_or_default();
        Ok(v1::SwitchReportRequest {
            agent: Some(agent),
            old_instance: Some(old),
            new_instance: Some(new),
            snapshot_used: snapshot.used.unwrap_or(false),
            snapshot_ami_id: super::clean(snapshot.ami_id),
            snapshot_ami_name: super::clean(snapshot.ami_name),
            on_demand_price: price("on_demand", prices.on_demand)?,
            old_spot_price: price("old_spot", prices.old_spot)?,
            new_spot_price: price("new_spot", prices.new_spot)?,
            timing: Some(v1::SwitchTiming {
                switch_initiated_at: at("switch_initiated_at", t.switch_initiated_at)?,
                snapshot_created_at: at("snapshot_created_at", t.snapshot_created_at)?,
                ami_created_at: at("ami_created_at", t.ami_created_at)?,
                new_instance_launched_at: at("new_instance_launched_at", t.new_instance_launched_at)?,
                new_instance_ready_at: at("new_instance_ready_at", t.new_instance_ready_at)?,
                traffic_switched_at: at("traffic_switched_at", t.traffic_switched_at)?,
                old_instance_terminated_at: at("old_instance_terminated_at", t.old_instance_terminated_at)?,
            }),
            trigger: super::clean(self.trigger).unwrap_or_else(|| "manual".into()),
            request_id: super::clean(self.request_id).unwrap_or(header_request_id),
        })
    }
}
