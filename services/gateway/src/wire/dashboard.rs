//! Wire types of the field's client dashboard (docs/CLIENT_DASHBOARD.md):
//! exact envelopes and snake_case names, numbers as JSON numbers, booleans
//! as booleans, timestamps in UTC with a `Z`. Plus the pure rules that turn
//! our records into its vocabulary, unit-tested here.

use serde::{Deserialize, Serialize};

/// `GET /api/client/{cid}/agents` and `GET /api/agents/{aid}` (bare).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct DashAgent {
    pub id: String,
    pub logical_agent_id: String,
    pub hostname: Option<String>,
    pub instance_id: String,
    pub instance_type: String,
    pub region: String,
    pub az: String,
    /// `spot` or `ondemand`.
    pub current_mode: String,
    /// `online`, `offline`, `disabled` or `switching`.
    pub status: String,
    pub last_heartbeat_at: Option<String>,
    /// The operator's switch (toggle-enabled flips it).
    pub enabled: bool,
    pub auto_switch_enabled: bool,
    pub auto_terminate_enabled: bool,
    pub manual_replica_enabled: bool,
    /// The wished replica count (a setting, 0-5).
    pub replica_count: i32,
    /// Extra: role of the agent's instance (PRIMARY, REPLICA, ...).
    pub role: String,
    /// Extra: what the agent's GET /config answers.
    pub config_enabled: bool,
}

/// `{agents: [...]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AgentsEnvelope {
    pub agents: Vec<DashAgent>,
}

/// A short agent in the dashboard stats.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActiveAgent {
    pub id: String,
    pub hostname: Option<String>,
    pub instance_id: String,
    pub instance_type: String,
    pub region: String,
    pub current_mode: String,
    pub status: String,
}

/// A switch in the dashboard stats.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RecentSwitch {
    pub id: String,
    pub old_instance_id: String,
    pub new_instance_id: String,
    pub old_mode: String,
    pub new_mode: String,
    /// $/hour saved by the switch (old hourly price - new).
    pub savings_impact: f64,
    pub initiated_at: String,
}

/// `GET /api/client/{cid}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DashboardStats {
    pub total_agents: i64,
    pub online_agents: i64,
    pub active_instances: i64,
    pub spot_instances: i64,
    pub total_switches: i64,
    pub switches_today: i64,
    pub total_savings: f64,
    pub monthly_savings: f64,
    pub recent_switches: Vec<RecentSwitch>,
    pub active_agents: Vec<ActiveAgent>,
}

/// `POST /api/client/agents/{aid}/toggle-enabled` (body optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ToggleRequest {
    pub enabled: Option<bool>,
}

/// Answer of toggle-enabled.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ToggleResponse {
    pub success: bool,
    pub agent_id: String,
    pub enabled: bool,
}

/// `{success: true}` and nothing else.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SuccessBody {
    pub success: bool,
}

/// `{success: true, ...inner}`: the dashboard checks `success`, agents read the rest.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Succeeded<T: Serialize> {
    pub success: bool,
    #[serde(flatten)]
    pub inner: T,
}

impl<T: Serialize> Succeeded<T> {
    /// Wraps a successful answer.
    pub fn new(inner: T) -> Self {
        Self { success: true, inner }
    }
}

/// `POST /api/agents/{aid}/issue-switch-command` without `X-Request-ID`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SwitchIssued {
    pub success: bool,
    pub command_id: String,
    pub agent_id: String,
    pub target_mode: String,
    pub target_pool_id: Option<String>,
    pub priority: i32,
}

/// `POST /api/agents/{aid}/replicas` without `instance_id`, and DELETE.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReplicaAnswer {
    pub success: bool,
    pub replica_id: String,
    pub status: String,
}

/// Money to cents.
pub fn money(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// A timestamp as the dashboard reads it: RFC 3339, UTC, `Z`.
pub fn utc(t: &Option<spot_contracts::Timestamp>) -> Option<String> {
    t.as_ref()
        .and_then(|t| {
            chrono::DateTime::<chrono::Utc>::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0))
        })
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// The dashboard's agent status from what we know: a silent agent is
/// `offline`, one running a switch `switching`, a passive one (not the
/// PRIMARY, switched off, or reporting itself disabled) `disabled`.
pub fn agent_status(
    connectivity: &str,
    reported: &str,
    config_enabled: bool,
    switching: bool,
) -> &'static str {
    if connectivity != "online" || reported == "offline" {
        "offline"
    } else if switching {
        "switching"
    } else if !config_enabled || reported == "disabled" {
        "disabled"
    } else {
        "online"
    }
}

/// Hourly price of one side of a switch.
fn hourly(mode: &str, on_demand: Option<f64>, spot: Option<f64>) -> Option<f64> {
    if mode == "ondemand" { on_demand } else { spot }
}

/// $/hour a switch saved (old hourly price - new); 0 when a price is unknown.
pub fn savings_impact(
    old_mode: &str,
    new_mode: &str,
    on_demand: Option<f64>,
    old_spot: Option<f64>,
    new_spot: Option<f64>,
) -> f64 {
    match (hourly(old_mode, on_demand, old_spot), hourly(new_mode, on_demand, new_spot)) {
        (Some(old), Some(new)) => ((old - new) * 10_000.0).round() / 10_000.0,
        _ => 0.0,
    }
}

/// [`savings_impact`] of a switch in lifecycle's overview.
pub fn switch_savings(s: &spot_contracts::v1::SwitchOverview) -> f64 {
    savings_impact(&s.old_mode, &s.new_mode, s.on_demand_price, s.old_spot_price, s.new_spot_price)
}

/// Percent saved by `price` against `on_demand`, one decimal; 0 when unknown.
pub fn savings_percent(price: f64, on_demand: f64) -> f64 {
    if on_demand > 0.0 { ((on_demand - price) / on_demand * 1000.0).round() / 10.0 } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_vocabulary() {
        assert_eq!(agent_status("online", "online", true, false), "online");
        assert_eq!(agent_status("offline", "online", true, false), "offline");
        assert_eq!(agent_status("online", "offline", true, false), "offline");
        assert_eq!(agent_status("online", "", true, true), "switching");
        assert_eq!(agent_status("online", "online", false, false), "disabled");
        assert_eq!(agent_status("online", "disabled", true, false), "disabled");
    }

    #[test]
    fn switch_savings_per_hour() {
        assert_eq!(savings_impact("ondemand", "spot", Some(0.0416), None, Some(0.0125)), 0.0291);
        assert_eq!(savings_impact("spot", "spot", None, Some(0.02), Some(0.015)), 0.005);
        assert_eq!(savings_impact("spot", "ondemand", Some(0.04), None, None), 0.0);
        assert_eq!(savings_impact("spot", "ondemand", Some(0.04), Some(0.01), None), -0.03);
    }

    #[test]
    fn money_and_percent() {
        assert_eq!(money(1234.5649), 1234.56);
        assert_eq!(savings_percent(0.0121, 0.0416), 70.9);
        assert_eq!(savings_percent(0.01, 0.0), 0.0);
    }

    #[test]
    fn timestamps_end_with_z() {
        let t = Some(spot_contracts::Timestamp { seconds: 1_764_412_200, nanos: 5 });
        assert_eq!(utc(&t).as_deref(), Some("2025-11-29T10:30:00Z"));
        assert_eq!(utc(&None), None);
    }
}
