//! Analytics (docs/OPERATORS_API.md): switch downtime percentiles, per-day
//! series of switches and savings, the operational figures and per-tenant
//! stats. Rows come from lifecycle and pricing; the arithmetic is in
//! `spot_domain::ops`.

use super::audit::Report;
use crate::error::ApiError;
use crate::http::{Admin, ApiErrors, ClientScope};
use crate::state::AppState;
use crate::store::tenant_admin;
use crate::wire::operator::{DaysParams, WindowParams, ts};
use crate::wire::tenants::TenantPath;
use actix_web::web;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use spot_contracts::v1;
use spot_domain::ClientId;
use spot_domain::ops::{
    DayPoint, DowntimeSummary, OperationalInputs, OperationalMetrics, PageLimit, daily_series,
};

async fn report(
    state: &AppState,
    client: ClientId,
    kind: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<String>, ApiError> {
    let report = Report { kind, from: Some(ts(from)), to: Some(ts(to)), ..Default::default() };
    Ok(report.call(state, client, PageLimit::parse(Some(500))?, None).await?.items_json)
}

async fn downtime_samples(
    state: &AppState,
    client: ClientId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<f64>, ApiError> {
    Ok(report(state, client, "switch_downtimes", from, to)
        .await?
        .iter()
        .filter_map(|s| s.parse().ok())
        .collect())
}

/// Fleet counts of a tenant over a window (lifecycle's `counts` report).
#[derive(Debug, Default, serde::Deserialize)]
struct Counts {
    agents: u64,
    agents_online: u64,
    groups: u64,
    instances_live: u64,
    switches_total: u64,
    switches: u64,
    emergency_switches: u64,
}

async fn counts(
    state: &AppState,
    client: ClientId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Counts, ApiError> {
    let items = report(state, client, "counts", from, to).await?;
    let first = items.first().ok_or_else(|| ApiError::internal("lifecycle answered no counts"))?;
    serde_json::from_str(first).map_err(ApiError::internal)
}

/// Pricing's savings rows of a tenant, per `granularity` (`day` or `month`;
/// empty, unset times: pricing's defaults).
pub(crate) async fn savings_rows(
    state: &AppState,
    client: ClientId,
    from: Option<spot_contracts::Timestamp>,
    to: Option<spot_contracts::Timestamp>,
    granularity: &str,
) -> Result<Vec<v1::SavingsRow>, ApiError> {
    let request =
        v1::SavingsRequest { client_id: client.to_string(), from, to, granularity: granularity.into() };
    Ok(state.pricing.savings(request).await?.rows)
}

/// [`savings_rows`] per day of a window.
async fn daily_savings(
    state: &AppState,
    client: ClientId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<v1::SavingsRow>, ApiError> {
    savings_rows(state, client, Some(ts(from)), Some(ts(to)), "day").await
}

fn day_of(period: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(period, "%Y-%m-%d").ok()
}

/// `GET /api/analytics/downtime?window=24h`.
#[utoipa::path(get, path = "/api/analytics/downtime", tag = "analytics", summary = "Switch downtime over a window: count, avg, p50, p95, max (target p95 < 10 s)",
    params(WindowParams), responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn downtime(
    state: web::Data<AppState>,
    params: web::Query<WindowParams>,
    ClientScope(client): ClientScope,
) -> Result<web::Json<DowntimeSummary>, ApiError> {
    let to = Utc::now();
    let from = to - params.window()?.duration();
    Ok(web::Json(DowntimeSummary::from_samples(downtime_samples(&state, client, from, to).await?)))
}

/// A per-day chart series.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Series {
    pub metric: &'static str,
    #[schema(value_type = Vec<Object>)]
    pub points: Vec<DayPoint>,
}

fn day_range(days: i64) -> (NaiveDate, NaiveDate, DateTime<Utc>, DateTime<Utc>) {
    let now = Utc::now();
    let last = now.date_naive();
    let first = last - Duration::days(days - 1);
    let from = first.and_hms_opt(0, 0, 0).map(|d| d.and_utc()).unwrap_or(now);
    (first, last, from, now)
}

/// `GET /api/analytics/switches-per-day?days=30`.
#[utoipa::path(get, path = "/api/analytics/switches-per-day", tag = "analytics", summary = "Switches per UTC day, every day present",
    params(DaysParams), responses((status = 200, body = Series), ApiErrors))]
pub async fn switches_per_day(
    state: web::Data<AppState>,
    params: web::Query<DaysParams>,
    ClientScope(client): ClientScope,
) -> Result<web::Json<Series>, ApiError> {
    let (first, last, from, to) = day_range(params.days()?);
    let rows = report(&state, client, "switches_per_day", from, to).await?;
    let points = rows.iter().filter_map(|r| {
        let v: serde_json::Value = serde_json::from_str(r).ok()?;
        Some((day_of(v["day"].as_str()?)?, v["switches"].as_f64()?))
    });
    Ok(web::Json(Series { metric: "switches", points: daily_series(first, last, points) }))
}

/// `GET /api/analytics/savings-per-day?days=30`.
#[utoipa::path(get, path = "/api/analytics/savings-per-day", tag = "analytics", summary = "Savings (USD) per UTC day, every day present",
    params(DaysParams), responses((status = 200, body = Series), ApiErrors))]
pub async fn savings_per_day(
    state: web::Data<AppState>,
    params: web::Query<DaysParams>,
    ClientScope(client): ClientScope,
) -> Result<web::Json<Series>, ApiError> {
    let (first, last, from, to) = day_range(params.days()?);
    let rows = daily_savings(&state, client, from, to).await?;
    let points = rows.iter().filter_map(|r| Some((day_of(&r.period)?, r.savings)));
    Ok(web::Json(Series { metric: "savings", points: daily_series(first, last, points) }))
}

/// `GET /api/metrics/operational?window=7d`.
#[utoipa::path(get, path = "/api/metrics/operational", tag = "analytics", summary = "Operational figures: agent uptime %, average switch downtime, savings %, emergency promotions per day, consolidations",
    params(WindowParams), responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn operational(
    state: web::Data<AppState>,
    params: web::Query<WindowParams>,
    ClientScope(client): ClientScope,
) -> Result<web::Json<OperationalMetrics>, ApiError> {
    let window = params.window()?;
    let to = Utc::now();
    let from = to - window.duration();
    let (counts, downtimes, savings, jobs) = tokio::try_join!(
        counts(&state, client, from, to),
        downtime_samples(&state, client, from, to),
        daily_savings(&state, client, from, to),
        state.pricing.jobs(v1::ListJobsRequest { limit: 500 }),
    )?;
    let started_in_window = |j: &&v1::JobRecord| {
        j.started_at.as_ref().is_some_and(|t| t.seconds >= from.timestamp() && t.seconds < to.timestamp() + 1)
    };
    Ok(web::Json(OperationalMetrics::compute(&OperationalInputs {
        agents: counts.agents,
        agents_online: counts.agents_online,
        downtimes,
        switches: counts.switches,
        emergency_switches: counts.emergency_switches,
        savings: savings.iter().map(|r| r.savings).sum(),
        on_demand_cost: savings.iter().map(|r| r.on_demand_equivalent_cost).sum(),
        consolidation_statuses: jobs
            .jobs
            .iter()
            .filter(started_in_window)
            .map(|j| j.status.clone())
            .collect(),
        window_days: window.days(),
    })))
}

/// Per-tenant stats.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TenantStats {
    pub tenant_id: String,
    pub days: i64,
    /// Live agents (newest registration of every instance not TERMINATED).
    pub fleet_size: u64,
    pub agents_online: u64,
    /// Online share of the fleet, percent (null without agents).
    pub online_percent: Option<f64>,
    pub groups: u64,
    pub instances_live: u64,
    pub switches_total: u64,
    pub switches_in_window: u64,
    pub savings_in_window: f64,
    /// Agents registered per UTC day (growth), every day present.
    #[schema(value_type = Vec<Object>)]
    pub registrations_per_day: Vec<DayPoint>,
}

/// `GET /api/admin/tenants/{tenant_id}/stats?days=30`.
#[utoipa::path(get, path = "/api/admin/tenants/{tenant_id}/stats", tag = "admin", summary = "Fleet size, online share, switches, savings, growth per day",
    params(TenantPath, DaysParams), responses((status = 200, body = TenantStats), ApiErrors))]
pub async fn tenant_stats(
    state: web::Data<AppState>,
    path: web::Path<String>,
    params: web::Query<DaysParams>,
    _: Admin,
) -> Result<web::Json<TenantStats>, ApiError> {
    let id = ClientId::from_uuid(super::tenants::live_tenant(&state, &path).await?.id);
    let days = params.days()?;
    let (first, last, from, to) = day_range(days);
    let (counts, savings, registrations) =
        tokio::try_join!(counts(&state, id, from, to), daily_savings(&state, id, from, to), async {
            Ok(tenant_admin::registrations_per_day(&state.db, id, from).await?)
        },)?;
    let online_percent = (counts.agents > 0)
        .then(|| (counts.agents_online as f64 / counts.agents as f64 * 10_000.0).round() / 100.0);
    Ok(web::Json(TenantStats {
        tenant_id: id.to_string(),
        days,
        fleet_size: counts.agents,
        agents_online: counts.agents_online,
        online_percent,
        groups: counts.groups,
        instances_live: counts.instances_live,
        switches_total: counts.switches_total,
        switches_in_window: counts.switches,
        savings_in_window: savings.iter().map(|r| r.savings).sum(),
        registrations_per_day: daily_series(first, last, registrations),
    }))
}

/// `GET /api/admin/metrics/operational?client_id=&window=`: the original
/// server's path of [`operational`] (admin token).
#[utoipa::path(get, path = "/api/admin/metrics/operational", tag = "admin", summary = "Operational figures of a tenant (original server's path; same as /api/metrics/operational)",
    params(WindowParams), responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn admin_operational(
    state: web::Data<AppState>,
    params: web::Query<WindowParams>,
    _: Admin,
    scope: ClientScope,
) -> Result<web::Json<OperationalMetrics>, ApiError> {
    operational(state, params, scope).await
}

/// `GET /api/client/{client_id}/analytics/downtime?window=`: the original
/// server's path of [`downtime`] (the tenant's own id only).
#[utoipa::path(get, path = "/api/client/{client_id}/analytics/downtime", tag = "analytics", summary = "Switch downtime of the caller's tenant (original server's path)",
    params(("client_id" = String, Path), WindowParams), responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn client_downtime(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    params: web::Query<WindowParams>,
) -> Result<web::Json<DowntimeSummary>, ApiError> {
    let own = crate::http::caller::own_client_id(&req).await?;
    let client = own.ok_or_else(|| ApiError::NotFound("client not found".into()))?;
    downtime(state, params, ClientScope(client)).await
}
