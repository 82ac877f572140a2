//! The client dashboard that ships with agent v4, served unmodified
//! (docs/CLIENT_DASHBOARD.md): every path it calls, answering exactly 200
//! with the envelopes and names it reads. One file per page or area.
//!
//! Its own paths answer errors as `{"error": "<message>", "code": "<code>"}`
//! (the dashboard's format plus our stable code). Paths it shares with agent
//! v4 and the operator API keep the gateway's error body.

pub mod agents;
pub mod documented;
pub mod instances;
pub mod overview;
pub mod replicas;
pub mod switch;
pub mod switches;

use crate::error::ApiError;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError};
use futures::future::LocalBoxFuture;
use spot_contracts::v1;
use spot_domain::{AgentId, ClientId};
use std::fmt;

pub use documented::{ClientIdPath, DashErrors, SharedWriteErrors};

/// An error of a dashboard-only path, in the dashboard's `{"error": "..."}` shape.
#[derive(Debug)]
pub struct DashError {
    inner: ApiError,
    message: Option<&'static str>,
}

impl DashError {
    /// 404 with the dashboard's wording.
    pub fn not_found(message: &'static str) -> Self {
        Self { inner: ApiError::NotFound(message.to_owned()), message: Some(message) }
    }
}

impl From<ApiError> for DashError {
    fn from(inner: ApiError) -> Self {
        let message = match inner {
            ApiError::AgentNotFound => Some("Agent not found"),
            _ => None,
        };
        Self { inner, message }
    }
}

impl fmt::Display for DashError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.message {
            Some(m) => f.write_str(m),
            None => self.inner.fmt(f),
        }
    }
}

impl ResponseError for DashError {
    fn status_code(&self) -> StatusCode {
        self.inner.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        // Logging and Retry-After as for every gateway error, then our body.
        let response = self.inner.error_response();
        let body = serde_json::json!({"error": self.to_string(), "code": self.inner.code()});
        let mut answer = HttpResponse::build(self.status_code());
        let retry = actix_web::http::header::RETRY_AFTER;
        if let Some(value) = response.headers().get(&retry) {
            answer.insert_header((retry, value.clone()));
        }
        answer.json(body)
    }
}

/// Result of a dashboard-only handler.
pub type DashResult = Result<HttpResponse, DashError>;

/// The caller's tenant, which must be the `{client_id}` of the path (any
/// other client id is not found, never forbidden).
#[derive(Debug, Clone, Copy)]
pub struct OwnClient(pub ClientId);

impl FromRequest for OwnClient {
    type Error = DashError;
    type Future = LocalBoxFuture<'static, Result<Self, DashError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let own = crate::http::caller::own_client_id(&req).await?;
            own.map(OwnClient).ok_or_else(|| DashError::not_found("Client not found"))
        })
    }
}

/// The agent of the path, which must be the caller's (the admin token acts
/// for the owner); returns the audit actor too. An id that cannot be ours,
/// whatever its form, is "Agent not found".
pub async fn owned_agent(req: &HttpRequest) -> Result<(ClientId, AgentId, String), DashError> {
    operator_agent(req).await.map_err(|e| match e {
        ApiError::InvalidField(_) => ApiError::AgentNotFound.into(),
        other => other.into(),
    })
}

/// The path's agent for an operator (the tenant's own token, or the admin
/// token acting for the owner) and the audit actor.
pub async fn operator_agent(req: &HttpRequest) -> Result<(ClientId, AgentId, String), ApiError> {
    let op = crate::http::Operator::resolve(req).await?;
    Ok((op.client, op.agent, op.actor))
}

/// One live agent of the tenant, if it is live.
pub async fn one_agent(
    state: &AppState,
    client: ClientId,
    agent: AgentId,
) -> Result<Option<v1::AgentOverview>, ApiError> {
    let request =
        v1::AgentOverviewRequest { client_id: client.to_string(), agent_id: Some(agent.to_string()) };
    Ok(state.lifecycle.agent_overviews(request).await?.agents.into_iter().next())
}

/// The tenant's instances (all of them, or the one named), as lifecycle
/// sees them.
pub async fn instance_overviews(
    state: &AppState,
    client: ClientId,
    instance_id: Option<String>,
) -> Result<Vec<v1::InstanceOverview>, ApiError> {
    let request = v1::InstanceOverviewRequest { client_id: client.to_string(), instance_id };
    Ok(state.lifecycle.instance_overviews(request).await?.instances)
}

/// Whether an instance is active on the dashboard: its role is a live one
/// (serving or standing by, `Role::is_live`).
pub fn is_active(instance: &v1::InstanceOverview) -> bool {
    spot_domain::group::Role::parse(&instance.role).is_some_and(|r| r.is_live())
}

/// The tenant's newest `limit` switches and the switch counts.
pub async fn switch_overviews(
    state: &AppState,
    client: ClientId,
    limit: i32,
) -> Result<v1::SwitchOverviewList, ApiError> {
    state.lifecycle.switch_overviews(v1::SwitchOverviewRequest { client_id: client.to_string(), limit }).await
}

/// One live agent and the current prices of its instance type and region
/// (to pick a pool for it), if it is live.
pub async fn agent_with_prices(
    state: &AppState,
    client: ClientId,
    agent: AgentId,
) -> Result<Option<(v1::AgentOverview, v1::CurrentPrices)>, ApiError> {
    let Some(a) = one_agent(state, client, agent).await? else { return Ok(None) };
    let i = a.instance.clone().unwrap_or_default();
    let known = prices(state, [(i.instance_type, i.region)]).await;
    Ok(Some((a, known)))
}

/// Current prices of some (instance type, region) pairs. A pricing outage
/// leaves the prices unknown (shown as 0) instead of blanking the page.
pub async fn prices(
    state: &AppState,
    types: impl IntoIterator<Item = (String, String)>,
) -> v1::CurrentPrices {
    let mut types: Vec<(String, String)> =
        types.into_iter().filter(|(t, r)| !t.is_empty() && !r.is_empty()).collect();
    types.sort();
    types.dedup();
    if types.is_empty() {
        return v1::CurrentPrices::default();
    }
    let request = v1::CurrentPricesRequest {
        types: types
            .into_iter()
            .map(|(instance_type, region)| v1::InstanceTypeRegion { instance_type, region })
            .collect(),
    };
    match state.pricing.current_prices(request).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(error = %e, "pricing unavailable; dashboard prices unknown");
            v1::CurrentPrices::default()
        }
    }
}

/// Newest spot price of a pool, if reported.
pub fn pool_price(prices: &v1::CurrentPrices, pool_id: &str) -> Option<f64> {
    prices.pools.iter().find(|p| p.pool_id == pool_id).map(|p| p.price)
}

/// On-demand price of an instance type in a region, if known.
pub fn on_demand_price(prices: &v1::CurrentPrices, instance_type: &str, region: &str) -> Option<f64> {
    prices.on_demand.iter().find(|o| o.instance_type == instance_type && o.region == region).map(|o| o.price)
}
