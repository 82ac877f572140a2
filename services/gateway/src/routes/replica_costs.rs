//! `GET /api/analytics/replica-costs`: what replicas cost per UTC day and
//! the day's savings net of it (docs/OPERATORS_API.md, "Replica cost").
//! Paged, newest day first; pricing serves the days (`ListReplicaCosts`).

use super::read_scope::ReadScope;
use crate::error::ApiError;
use crate::http::{ApiErrors, Reply};
use crate::state::AppState;
use crate::wire::operator::ts;
use crate::wire::paging::PageParams;
use actix_web::web;
use chrono::NaiveDate;
use spot_contracts::v1;

/// `?from=&to=&client_id=`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReplicaCostParams {
    /// First day (YYYY-MM-DD, UTC, inclusive)
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD, UTC, exclusive)
    pub to: Option<String>,
    /// Admin token only: this tenant's days (default: every tenant's)
    pub client_id: Option<String>,
}

/// One tenant's day.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReplicaCostView {
    pub client_id: String,
    /// YYYY-MM-DD (UTC)
    pub day: String,
    /// Hours of replica instances the day's REPLICA reports stand for
    pub replica_hours: f64,
    /// What those hours cost at the prices the replicas reported
    pub replica_cost: f64,
    /// The day's savings against on-demand (null until the day's savings are computed)
    pub savings: Option<f64>,
    /// `savings - replica_cost` (null with `savings`)
    pub net_savings: Option<f64>,
    /// `net_savings` over the day's on-demand equivalent cost, in percent
    pub net_savings_percent: Option<f64>,
    /// What the day's PRIMARY usage would have cost on demand
    pub on_demand_equivalent_cost: Option<f64>,
}

/// A page of days.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReplicaCostPage {
    pub items: Vec<ReplicaCostView>,
    pub next_cursor: Option<String>,
}

impl From<v1::ReplicaCostDay> for ReplicaCostView {
    fn from(d: v1::ReplicaCostDay) -> Self {
        let percent = match (d.net_savings, d.on_demand_equivalent_cost) {
            (Some(net), Some(equivalent)) if equivalent > 0.0 => Some(net / equivalent * 100.0),
            _ => None,
        };
        Self {
            client_id: d.client_id,
            day: d.day,
            replica_hours: d.replica_hours,
            replica_cost: d.replica_cost,
            savings: d.savings,
            net_savings: d.net_savings,
            net_savings_percent: percent,
            on_demand_equivalent_cost: d.on_demand_equivalent_cost,
        }
    }
}

/// An optional `YYYY-MM-DD` query parameter as the start of that UTC day.
fn day(raw: Option<&str>, field: &'static str) -> Result<Option<spot_contracts::Timestamp>, ApiError> {
    let Some(raw) = raw.map(str::trim).filter(|s| !s.is_empty()) else { return Ok(None) };
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| ApiError::Field { field, message: format!("is not a YYYY-MM-DD day: {raw:?}") })?;
    Ok(Some(ts(date.and_time(chrono::NaiveTime::MIN).and_utc())))
}

/// `GET /api/analytics/replica-costs?from=&to=&limit=&cursor=`.
#[utoipa::path(get, path = "/api/analytics/replica-costs", tag = "analytics",
    summary = "Replica cost per day and savings net of it, newest day first, paged",
    params(ReplicaCostParams, PageParams), responses((status = 200, body = ReplicaCostPage), ApiErrors))]
pub async fn list(
    state: web::Data<AppState>,
    params: web::Query<ReplicaCostParams>,
    page: web::Query<PageParams>,
    scope: ReadScope,
) -> Reply<ReplicaCostPage> {
    let (limit, after) = page.for_request()?;
    let answer = state
        .pricing
        .replica_costs(v1::ReplicaCostsRequest {
            client_id: scope.client_id(),
            from: day(params.from.as_deref(), "from")?,
            to: day(params.to.as_deref(), "to")?,
            limit,
            after,
        })
        .await?;
    Ok(web::Json(ReplicaCostPage {
        items: answer.items.into_iter().map(ReplicaCostView::from).collect(),
        next_cursor: answer.next_cursor,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_dates_and_name_their_field() {
        assert!(day(None, "from").is_ok_and(|d| d.is_none()));
        assert!(day(Some("2026-12-01"), "from").is_ok_and(|d| d.is_some_and(|t| t.seconds % 86_400 == 0)));
        assert!(matches!(day(Some("yesterday"), "to"), Err(ApiError::Field { field: "to", .. })));
    }

    #[test]
    fn net_percent_needs_an_equivalent_cost() {
        let mut d = v1::ReplicaCostDay {
            net_savings: Some(5.0),
            on_demand_equivalent_cost: Some(20.0),
            ..Default::default()
        };
        assert_eq!(ReplicaCostView::from(d.clone()).net_savings_percent, Some(25.0));
        d.on_demand_equivalent_cost = Some(0.0);
        assert_eq!(ReplicaCostView::from(d).net_savings_percent, None);
    }
}
