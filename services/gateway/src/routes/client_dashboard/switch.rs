//! The Switch modal: `POST /api/agents/{aid}/issue-switch-command`.
//!
//! The path is shared with the operator API. With an idempotency key
//! (`X-Request-ID` or body `request_id`) it is that API, unchanged: 201, a
//! retry replays. Without one, as the dashboard sends it: 200 with
//! `{success, command_id, ...}`, a fresh command per call, and an empty
//! `target_pool_id` auto-selects a pool (agent v4 launches on-demand for
//! `spot` without a pool, so the pool is chosen here).

use super::{SharedWriteErrors, agent_with_prices, operator_agent};
use crate::error::ApiError;
use crate::http::{AgentPath, agent_ref, request_id};
use crate::state::AppState;
use crate::wire::clean;
use crate::wire::commands::IssueSwitchRequest;
use crate::wire::dashboard::SwitchIssued;
use actix_web::{HttpRequest, HttpResponse, web};
use spot_contracts::v1;

/// Picks the pool for a switch to spot: the cheapest pool of the agent's
/// type and region other than the one it runs in now; with no prices
/// known, its own AZ (so the switch lands on spot at all).
pub fn auto_pool(agent: &v1::AgentOverview, known: &v1::CurrentPrices) -> Option<String> {
    let i = agent.instance.as_ref()?;
    if i.instance_type.is_empty() || i.az.is_empty() {
        return None;
    }
    let current = format!("{}.{}", i.instance_type, i.az);
    let on_spot = i.mode == v1::InstanceMode::Spot as i32;
    let cheapest = known
        .pools
        .iter()
        .filter(|p| p.instance_type == i.instance_type && p.region == i.region)
        .filter(|p| !(on_spot && p.pool_id == current))
        .min_by(|a, b| a.price.total_cmp(&b.price))
        .map(|p| p.pool_id.clone());
    Some(cheapest.unwrap_or(current))
}

/// `POST /api/agents/{agent_id}/issue-switch-command`.
#[utoipa::path(
    post,
    path = "/api/agents/{agent_id}/issue-switch-command",
    tag = "operator",
    summary = "Queue a manual switch (priority 75). With X-Request-ID: 201 and idempotent; without (client dashboard): 200 {success, command_id}, empty target_pool_id auto-selects",
    params(AgentPath),
    request_body = crate::wire::commands::IssueSwitchRequest,
    responses((status = 200, description = "Queued (no X-Request-ID)", body = SwitchIssued), (status = 201, description = "Queued or replayed (X-Request-ID)", body = crate::wire::commands::CommandView), SharedWriteErrors)
)]
pub async fn issue(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let parsed = crate::wire::parse_optional_json::<IssueSwitchRequest>(&body)?;
    let keyed = !request_id(&req).is_empty() || clean(parsed.request_id.clone()).is_some();
    if keyed {
        let operator = crate::http::Operator::resolve(&req).await?;
        return crate::routes::switching::issue_switch_command(state, operator, body).await;
    }
    let (client, agent, actor) = operator_agent(&req).await?;
    let target_mode = clean(parsed.target_mode)
        .ok_or_else(|| ApiError::InvalidField("target_mode is required (spot or ondemand)".into()))?;
    let mut pool = clean(parsed.target_pool_id);
    if pool.is_none()
        && target_mode == "spot"
        && let Some((a, known)) = agent_with_prices(&state, client, agent).await?
    {
        pool = auto_pool(&a, &known);
    }
    let answer = state
        .lifecycle
        .issue_switch(v1::IssueSwitchCommandRequest {
            agent: Some(agent_ref(client, agent)),
            target_mode,
            target_pool_id: pool,
            request_id: format!("dashboard-{}", uuid::Uuid::now_v7()),
            actor,
        })
        .await?;
    let command =
        answer.command.as_ref().ok_or_else(|| ApiError::internal("lifecycle returned no command"))?;
    state.commands_cache.invalidate(agent);
    Ok(HttpResponse::Ok().json(SwitchIssued {
        success: true,
        command_id: command.id.clone(),
        agent_id: agent.to_string(),
        target_mode: command.target_mode.clone(),
        target_pool_id: command.target_pool_id.clone(),
        priority: command.priority,
    }))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::auto_pool;
    use spot_contracts::v1;

    pub(crate) fn agent(az: &str, mode: v1::InstanceMode) -> v1::AgentOverview {
        v1::AgentOverview {
            instance: Some(v1::InstanceInfo {
                instance_id: "i-1".into(),
                instance_type: "t3.medium".into(),
                region: "us-east-1".into(),
                az: az.into(),
                mode: mode as i32,
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    pub(crate) fn prices(list: &[(&str, f64)]) -> v1::CurrentPrices {
        v1::CurrentPrices {
            pools: list
                .iter()
                .map(|(az, price)| v1::CurrentPoolPrice {
                    pool_id: format!("t3.medium.{az}"),
                    instance_type: "t3.medium".into(),
                    region: "us-east-1".into(),
                    az: (*az).into(),
                    price: *price,
                    captured_at: None,
                })
                .collect(),
            on_demand: Vec::new(),
        }
    }

    #[test]
    fn spot_to_spot_leaves_the_current_pool() {
        let known = prices(&[("us-east-1a", 0.01), ("us-east-1b", 0.02), ("us-east-1c", 0.015)]);
        let on_spot = agent("us-east-1a", v1::InstanceMode::Spot);
        assert_eq!(auto_pool(&on_spot, &known).as_deref(), Some("t3.medium.us-east-1c"));
        let on_demand = agent("us-east-1a", v1::InstanceMode::OnDemand);
        assert_eq!(auto_pool(&on_demand, &known).as_deref(), Some("t3.medium.us-east-1a"));
    }

    #[test]
    fn without_prices_the_own_az_keeps_the_switch_on_spot() {
        let a = agent("us-east-1b", v1::InstanceMode::OnDemand);
        assert_eq!(auto_pool(&a, &prices(&[])).as_deref(), Some("t3.medium.us-east-1b"));
        assert_eq!(auto_pool(&v1::AgentOverview::default(), &prices(&[])), None);
    }
}
