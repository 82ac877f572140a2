//! Switches page: the tenant's switch history, newest first.

use super::{ClientIdPath, DashErrors, DashResult, OwnClient, switch_overviews};
use crate::state::AppState;
use crate::wire::dashboard::{switch_savings, utc};
use actix_web::{HttpResponse, web};
use serde::Serialize;

/// Switches sent to the page (it pages nothing; `total` counts them all).
const PAGE: i32 = 200;

/// One switch.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DashSwitch {
    pub id: String,
    pub initiated_at: String,
    pub old_instance_id: String,
    pub old_mode: String,
    pub old_az: String,
    pub new_instance_id: String,
    pub new_mode: String,
    pub new_az: String,
    /// `manual`, `model`, `emergency` or `scheduled`.
    pub trigger_type: String,
    /// $/hour saved (old hourly price - new).
    pub savings_impact: f64,
    /// Extra.
    pub agent_id: String,
    /// Extra: measured downtime, when the timings allowed it.
    pub downtime_seconds: Option<f64>,
}

/// `{switches: [...], total}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SwitchesEnvelope {
    pub switches: Vec<DashSwitch>,
    pub total: i64,
}

/// `GET /api/client/{client_id}/switches`.
#[utoipa::path(
    get,
    path = "/api/client/{client_id}/switches",
    tag = "client dashboard",
    summary = "Switches page: the newest 200 switches and the total count",
    params(ClientIdPath),
    responses((status = 200, body = SwitchesEnvelope), DashErrors)
)]
pub async fn list(state: web::Data<AppState>, OwnClient(client): OwnClient) -> DashResult {
    let page = switch_overviews(&state, client, PAGE).await?;
    let switches = page
        .switches
        .into_iter()
        .map(|s| DashSwitch {
            savings_impact: switch_savings(&s),
            initiated_at: utc(&s.initiated_at).unwrap_or_default(),
            id: s.switch_id,
            old_instance_id: s.old_instance_id,
            old_mode: s.old_mode,
            old_az: s.old_az,
            new_instance_id: s.new_instance_id,
            new_mode: s.new_mode,
            new_az: s.new_az,
            trigger_type: s.trigger,
            agent_id: s.agent_id,
            downtime_seconds: s.downtime_seconds,
        })
        .collect();
    Ok(HttpResponse::Ok().json(SwitchesEnvelope { switches, total: page.total }))
}
