//! Dashboard page (`GET /api/client/{cid}`) and savings (`GET .../savings`).

use super::agents::{live_agents, status_of};
use super::{
    ClientIdPath, DashErrors, DashResult, OwnClient, instance_overviews, is_active, switch_overviews,
};
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::dashboard::{ActiveAgent, DashboardStats, RecentSwitch, money, switch_savings, utc};
use crate::wire::operator::ts;
use actix_web::{HttpResponse, web};
use spot_contracts::v1;
use spot_domain::ClientId;

/// Switches shown on the dashboard page.
const RECENT_SWITCHES: i32 = 10;
/// Savings are summed over this many years of monthly rows.
const SAVINGS_YEARS: i64 = 10;

/// Savings per month (`YYYY-MM`, oldest first) from pricing.
async fn monthly_savings(state: &AppState, client: ClientId) -> Result<Vec<(String, f64)>, ApiError> {
    let now = chrono::Utc::now();
    let from = now - chrono::Duration::days(366 * SAVINGS_YEARS);
    let (from, to) = (Some(ts(from)), Some(ts(now)));
    let rows = crate::routes::analytics::savings_rows(state, client, from, to, "month").await?;
    Ok(rows.into_iter().map(|r| (r.period, r.savings)).collect())
}

/// `GET /api/client/{client_id}`.
#[utoipa::path(
    get,
    path = "/api/client/{client_id}",
    tag = "client dashboard",
    summary = "Dashboard page: fleet counts, savings, recent switches, agents",
    params(ClientIdPath),
    responses((status = 200, body = DashboardStats), DashErrors, (status = 503, description = "Lifecycle or pricing unavailable, or overloaded (overloaded)", body = serde_json::Value))
)]
pub async fn stats(state: web::Data<AppState>, OwnClient(client): OwnClient) -> DashResult {
    let (agents, instances, switches, savings) = tokio::try_join!(
        live_agents(&state, client),
        instance_overviews(&state, client, None),
        switch_overviews(&state, client, RECENT_SWITCHES),
        monthly_savings(&state, client),
    )?;
    let active: Vec<&v1::InstanceOverview> = instances.iter().filter(|i| is_active(i)).collect();
    let this_month = chrono::Utc::now().format("%Y-%m").to_string();
    let active_agents: Vec<ActiveAgent> = agents
        .iter()
        .map(|a| {
            let d = super::agents::dash_agent(a);
            ActiveAgent {
                id: d.id,
                hostname: d.hostname,
                instance_id: d.instance_id,
                instance_type: d.instance_type,
                region: d.region,
                current_mode: d.current_mode,
                status: d.status,
            }
        })
        .collect();
    let stats = DashboardStats {
        total_agents: agents.len() as i64,
        online_agents: agents.iter().filter(|a| status_of(a) != "offline").count() as i64,
        active_instances: active.len() as i64,
        spot_instances: active.iter().filter(|i| i.mode == "spot").count() as i64,
        total_switches: switches.total,
        switches_today: switches.today,
        total_savings: money(savings.iter().map(|(_, s)| s).sum()),
        monthly_savings: money(savings.iter().filter(|(m, _)| *m == this_month).map(|(_, s)| s).sum()),
        recent_switches: switches
            .switches
            .iter()
            .map(|s| RecentSwitch {
                id: s.switch_id.clone(),
                old_instance_id: s.old_instance_id.clone(),
                new_instance_id: s.new_instance_id.clone(),
                old_mode: s.old_mode.clone(),
                new_mode: s.new_mode.clone(),
                savings_impact: switch_savings(s),
                initiated_at: utc(&s.initiated_at).unwrap_or_default(),
            })
            .collect(),
        active_agents,
    };
    Ok(HttpResponse::Ok().json(stats))
}

/// One month of savings.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MonthSavings {
    pub month: String,
    pub savings: f64,
}

/// `GET /api/client/{cid}/savings`.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct SavingsBody {
    pub total_savings: f64,
    pub monthly_savings: Vec<MonthSavings>,
}

/// `GET /api/client/{client_id}/savings`.
#[utoipa::path(
    get,
    path = "/api/client/{client_id}/savings",
    tag = "client dashboard",
    summary = "Savings in total and per month (USD, 2 decimals)",
    params(ClientIdPath),
    responses((status = 200, body = SavingsBody), DashErrors, (status = 503, description = "Pricing unavailable, or overloaded (overloaded)", body = serde_json::Value))
)]
pub async fn savings(state: web::Data<AppState>, OwnClient(client): OwnClient) -> DashResult {
    let months = monthly_savings(&state, client).await?;
    Ok(HttpResponse::Ok().json(SavingsBody {
        total_savings: money(months.iter().map(|(_, s)| s).sum()),
        monthly_savings: months
            .into_iter()
            .map(|(month, s)| MonthSavings { month, savings: money(s) })
            .collect(),
    }))
}
