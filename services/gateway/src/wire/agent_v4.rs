//! Agent v4.0.0 request and response bodies (agent-protocol.md section A).
//! Every field is optional on the wire: v4 sends nulls, and the shutdown
//! heartbeat sends only two fields. Validation happens in the conversions.

use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use spot_contracts::v1;
use spot_domain::{InstanceMode, LogicalAgentId, ReportedStatus};

/// `POST /api/agents/register`. (`client_token` is sent too and ignored:
/// the bearer header is what authenticates.)
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RegisterRequest {
    pub instance_id: Option<String>,
    pub instance_type: Option<String>,
    pub region: Option<String>,
    pub az: Option<String>,
    pub ami_id: Option<String>,
    pub agent_version: Option<String>,
    pub logical_agent_id: Option<String>,
    pub mode: Option<String>,
    pub hostname: Option<String>,
    pub private_ip: Option<String>,
    pub public_ip: Option<String>,
    pub request_id: Option<String>,
    /// Newer agents only: what they can run (e.g. "typed_commands").
    pub capabilities: Option<Vec<String>>,
}

fn proto_mode(mode: InstanceMode) -> i32 {
    match mode {
        InstanceMode::Spot => v1::InstanceMode::Spot as i32,
        InstanceMode::OnDemand => v1::InstanceMode::OnDemand as i32,
    }
}

fn parse_mode(raw: Option<String>) -> Result<Option<InstanceMode>, ApiError> {
    super::clean(raw)
        .map(|m| InstanceMode::parse(&m).map_err(|e| ApiError::InvalidField(e.to_string())))
        .transpose()
}

impl RegisterRequest {
    /// Validates and builds the lifecycle call. `logical_agent_id` defaults to
    /// the instance id (what v4 does when none is configured); `mode` to spot.
    pub fn into_grpc(self, client_id: &str) -> Result<v1::RegisterAgentRequest, ApiError> {
        let instance_id = super::clean(self.instance_id)
            .ok_or_else(|| ApiError::InvalidField("instance_id is required".into()))?;
        let logical = super::clean(self.logical_agent_id).unwrap_or_else(|| instance_id.clone());
        let logical = LogicalAgentId::parse(&logical).map_err(|e| ApiError::InvalidField(e.to_string()))?;
        let mode = parse_mode(self.mode)?.unwrap_or(InstanceMode::Spot);
        Ok(v1::RegisterAgentRequest {
            client_id: client_id.to_owned(),
            logical_agent_id: logical.as_str().to_owned(),
            instance: Some(v1::InstanceInfo {
                instance_id,
                instance_type: super::clean(self.instance_type).unwrap_or_default(),
                region: super::clean(self.region).unwrap_or_default(),
                az: super::clean(self.az).unwrap_or_default(),
                ami_id: super::clean(self.ami_id).unwrap_or_default(),
                mode: proto_mode(mode),
            }),
            hostname: super::clean(self.hostname).unwrap_or_default(),
            agent_version: super::clean(self.agent_version).unwrap_or_default(),
            private_ip: super::clean(self.private_ip),
            public_ip: super::clean(self.public_ip),
            request_id: super::clean(self.request_id).unwrap_or_default(),
            capabilities: self.capabilities.unwrap_or_default(),
        })
    }
}

/// What v4 reads back: `agent_id` and `config.enabled` (config must be an
/// object: `null` crashes the agent).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RegisterResponse {
    pub agent_id: String,
    pub client_id: String,
    pub status: &'static str,
    pub config: AgentConfigBody,
}

/// `config` object; also the body of `GET /api/agents/{id}/config`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentConfigBody {
    pub enabled: bool,
}

/// `POST /api/agents/{id}/heartbeat`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct HeartbeatRequest {
    pub status: Option<String>,
    pub monitored_instances: Option<Vec<Option<String>>>,
    pub instance_id: Option<String>,
    pub instance_type: Option<String>,
    pub mode: Option<String>,
    pub az: Option<String>,
    /// Percent, 0 to 100
    #[schema(minimum = 0, maximum = 100)]
    pub cpu_usage: Option<f64>,
    /// Percent, 0 to 100
    #[schema(minimum = 0, maximum = 100)]
    pub memory_usage: Option<f64>,
    /// 0 to 3,600,000 (an hour)
    #[schema(minimum = 0, maximum = 3_600_000)]
    pub heartbeat_latency_ms: Option<f64>,
    #[schema(minimum = 0)]
    pub error_count: Option<i64>,
}

/// A metric within `min..=max`, or 400 naming the field (an absurd value
/// would be stored and break every later read of the agent's health).
fn metric(value: Option<f64>, field: &'static str, max: f64) -> Result<Option<f64>, ApiError> {
    match value {
        Some(v) if !(0.0..=max).contains(&v) => {
            Err(ApiError::Field { field, message: format!("must be between 0 and {max}, got {v}") })
        }
        other => Ok(other),
    }
}

/// A validated heartbeat.
#[derive(Debug, Clone, PartialEq)]
pub struct Heartbeat {
    pub status: ReportedStatus,
    pub monitored_instances: Vec<String>,
    pub instance_id: Option<String>,
    pub instance_type: Option<String>,
    pub mode: Option<InstanceMode>,
    pub az: Option<String>,
    pub metrics: Option<v1::AgentMetrics>,
}

impl TryFrom<HeartbeatRequest> for Heartbeat {
    type Error = ApiError;
    fn try_from(req: HeartbeatRequest) -> Result<Self, ApiError> {
        let status = match super::clean(req.status) {
            None => ReportedStatus::Online,
            Some(s) => ReportedStatus::parse(&s).ok_or_else(|| {
                ApiError::InvalidField(format!("status must be online, disabled or offline, got {s:?}"))
            })?,
        };
        let monitored: Vec<String> =
            req.monitored_instances.unwrap_or_default().into_iter().filter_map(super::clean).collect();
        if monitored.len() > 1000 {
            return Err(ApiError::InvalidField("monitored_instances has more than 1000 entries".into()));
        }
        let has_metrics = req.cpu_usage.is_some()
            || req.memory_usage.is_some()
            || req.heartbeat_latency_ms.is_some()
            || req.error_count.is_some();
        Ok(Self {
            status,
            monitored_instances: monitored,
            instance_id: super::clean(req.instance_id),
            instance_type: super::clean(req.instance_type),
            mode: parse_mode(req.mode)?,
            az: super::clean(req.az),
            metrics: has_metrics.then_some(v1::AgentMetrics {
                cpu_usage: metric(req.cpu_usage, "cpu_usage", 100.0)?,
                memory_usage: metric(req.memory_usage, "memory_usage", 100.0)?,
                heartbeat_latency_ms: metric(req.heartbeat_latency_ms, "heartbeat_latency_ms", 3_600_000.0)?,
                error_count: match req.error_count {
                    Some(n) if n < 0 => {
                        return Err(ApiError::Field {
                            field: "error_count",
                            message: format!("must be >= 0, got {n}"),
                        });
                    }
                    other => other,
                },
            }),
        })
    }
}

impl Heartbeat {
    /// The event published for this heartbeat.
    pub fn into_event(self, meta: v1::EventMeta) -> v1::HeartbeatReceived {
        let status = match self.status {
            ReportedStatus::Online => v1::ReportedStatus::Online,
            ReportedStatus::Disabled => v1::ReportedStatus::Disabled,
            ReportedStatus::Offline => v1::ReportedStatus::Offline,
        };
        v1::HeartbeatReceived {
            meta: Some(meta),
            status: status as i32,
            monitored_instances: self.monitored_instances,
            instance_id: self.instance_id,
            instance_type: self.instance_type,
            mode: self.mode.map(proto_mode).unwrap_or(v1::InstanceMode::Unspecified as i32),
            az: self.az,
            metrics: self.metrics,
        }
    }
}

/// Answer to calls whose answer v4 ignores (it still needs a JSON object).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Accepted {
    pub status: &'static str,
}

impl Accepted {
    pub const OK: Self = Self { status: "ok" };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_defaults_and_validation() {
        let req = RegisterRequest { instance_id: Some("i-1".into()), ..Default::default() };
        let grpc = req.into_grpc("c").ok();
        assert_eq!(grpc.as_ref().map(|g| g.logical_agent_id.as_str()), Some("i-1"));
        assert_eq!(grpc.and_then(|g| g.instance).map(|i| i.mode), Some(v1::InstanceMode::Spot as i32));
        assert!(RegisterRequest::default().into_grpc("c").is_err());
        let bad = RegisterRequest {
            instance_id: Some("i-1".into()),
            mode: Some("lease".into()),
            ..Default::default()
        };
        assert!(matches!(bad.into_grpc("c"), Err(ApiError::InvalidField(_))));
    }

    #[test]
    fn shutdown_heartbeat_is_valid() {
        let req = HeartbeatRequest {
            status: Some("offline".into()),
            monitored_instances: Some(vec![]),
            ..Default::default()
        };
        let hb = Heartbeat::try_from(req).ok();
        assert_eq!(hb.as_ref().map(|h| h.status), Some(ReportedStatus::Offline));
        assert_eq!(hb.map(|h| h.instance_id), Some(None));
    }

    #[test]
    fn heartbeat_rejects_unknown_status() {
        let req = HeartbeatRequest { status: Some("sleepy".into()), ..Default::default() };
        assert!(matches!(Heartbeat::try_from(req), Err(ApiError::InvalidField(_))));
    }
}
