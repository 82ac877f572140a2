//! Replicas page: the tenant's replicas, "Create Replica" (a path shared
//! with agent v4's replica report) and "Terminate".

use super::{
    ClientIdPath, DashError, DashResult, OwnClient, on_demand_price, owned_agent, pool_price, prices,
};
use super::{DashErrors, SharedWriteErrors, agent_with_prices, operator_agent};
use crate::error::ApiError;
use crate::http::{AgentPath, ReplicaPath, agent_ref, request_id};
use crate::state::AppState;
use crate::wire::dashboard::{ReplicaAnswer, utc};
use crate::wire::non_empty;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use spot_contracts::v1;

/// One replica.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DashReplica {
    /// UUID (36 characters).
    pub id: String,
    /// The agent whose URLs address it (promote, terminate).
    pub agent_id: String,
    /// None until an instance runs.
    pub instance_id: Option<String>,
    /// `manual`, `emergency` or `prespin`.
    pub replica_type: String,
    pub pool_id: Option<String>,
    /// `launching`, `syncing`, `ready`, `promoted`, `failed`, `terminated`.
    pub status: String,
    /// $/hour: its pool's spot price, else on-demand, else 0.
    pub hourly_cost: f64,
    /// Extra.
    pub created_at: Option<String>,
}

/// `{replicas: [...]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReplicasEnvelope {
    pub replicas: Vec<DashReplica>,
}

/// `GET /api/client/{client_id}/replicas`.
#[utoipa::path(
    get,
    path = "/api/client/{client_id}/replicas",
    tag = "client dashboard",
    summary = "Replicas page: every replica of the tenant, newest first",
    params(ClientIdPath),
    responses((status = 200, body = ReplicasEnvelope), DashErrors)
)]
pub async fn list(state: web::Data<AppState>, OwnClient(client): OwnClient) -> DashResult {
    let all =
        state.lifecycle.tenant_replicas(v1::TenantReplicasRequest { client_id: client.to_string() }).await?;
    let known =
        prices(&state, all.replicas.iter().map(|t| (t.instance_type.clone(), t.region.clone()))).await;
    let replicas = all
        .replicas
        .iter()
        .filter_map(|t| {
            let r = t.replica.as_ref()?;
            let cost = pool_price(&known, &r.pool_id)
                .or_else(|| on_demand_price(&known, &t.instance_type, &t.region))
                .unwrap_or(0.0);
            Some(DashReplica {
                id: r.replica_id.clone(),
                agent_id: t.agent_id.clone(),
                instance_id: non_empty(&r.instance_id),
                replica_type: r.replica_type.clone(),
                pool_id: non_empty(&r.pool_id),
                status: r.status.clone(),
                hourly_cost: cost,
                created_at: utc(&r.created_at),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(ReplicasEnvelope { replicas }))
}

/// The dashboard's "Create Replica" body.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ManualReplicaBody {
    /// `<type>.<az>`, or `""` to auto-select.
    pub target_pool_id: Option<String>,
    pub instance_id: Option<String>,
}

/// Auto-selected pool of a manual replica: the cheapest pool of the agent's
/// type and region outside the AZ it runs in; None when no price is known.
pub fn replica_pool(agent: &v1::AgentOverview, known: &v1::CurrentPrices) -> Option<String> {
    let i = agent.instance.as_ref()?;
    known
        .pools
        .iter()
        .filter(|p| p.instance_type == i.instance_type && p.region == i.region && p.az != i.az)
        .min_by(|a, b| a.price.total_cmp(&b.price))
        .map(|p| p.pool_id.clone())
}

/// `POST /api/agents/{agent_id}/replicas`: with `instance_id` it is agent
/// v4's report of a running replica (unchanged); without, the dashboard's
/// request for a manual replica (one live per group: asking again returns it).
#[utoipa::path(
    post,
    path = "/api/agents/{agent_id}/replicas",
    tag = "agent v4",
    summary = "Record a replica instance (body with instance_id), or request a manual replica (client dashboard: {target_pool_id})",
    params(AgentPath),
    request_body = crate::wire::replicas::CreateReplicaRequest,
    responses((status = 200, description = "{success, replica_id, status}; an agent's record (body with instance_id) adds the replica's other fields", body = ReplicaAnswer), SharedWriteErrors)
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let parsed = crate::wire::parse_optional_json::<ManualReplicaBody>(&body)?;
    if crate::wire::clean(parsed.instance_id).is_some() {
        let caller = crate::http::AgentCaller::resolve(&req).await?;
        let answer = crate::routes::replicas::create(state, caller, body).await?;
        return Ok(HttpResponse::Ok().json(answer.into_inner()));
    }
    let (client, agent, actor) = operator_agent(&req).await?;
    let mut pool = crate::wire::clean(parsed.target_pool_id);
    if pool.is_none()
        && let Some((a, known)) = agent_with_prices(&state, client, agent).await?
    {
        pool = replica_pool(&a, &known);
    }
    let replica = state
        .lifecycle
        .manual_replica(v1::ManualReplicaRequest {
            agent: Some(agent_ref(client, agent)),
            pool_id: pool,
            actor,
            request_id: request_id(&req),
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReplicaAnswer {
        success: true,
        replica_id: replica.replica_id,
        status: replica.status,
    }))
}

/// `DELETE /api/agents/{agent_id}/replicas/{replica_id}`: the replica is
/// marked terminated and its instance leaves the group (idempotent; a
/// failed replica is already gone and answers its status). The
/// instance itself is stopped by whoever launched it: agent v4 has no
/// command for it.
#[utoipa::path(
    delete,
    path = "/api/agents/{agent_id}/replicas/{replica_id}",
    tag = "client dashboard",
    summary = "Terminate a replica (200 JSON, never 204)",
    params(ReplicaPath),
    responses((status = 200, body = ReplicaAnswer), DashErrors, (status = 404, description = "Unknown agent or replica, or another tenant's", body = serde_json::Value), (status = 409, description = "The replica was promoted and serves as PRIMARY (replica_is_primary)", body = serde_json::Value))
)]
pub async fn delete(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> DashResult {
    let (_, replica_id) = path.into_inner();
    let (client, agent, actor) = owned_agent(&req).await?;
    let group = state.lifecycle.list_replicas(agent_ref(client, agent)).await?;
    let replica = group
        .replicas
        .iter()
        .find(|r| r.replica_id == replica_id.trim())
        .ok_or_else(|| DashError::not_found("Replica not found"))?;
    if replica.role == "PRIMARY" {
        return Err(ApiError::Conflict {
            code: "replica_is_primary".into(),
            message: "the replica was promoted and serves as PRIMARY; switch away from it instead".into(),
        }
        .into());
    }
    // Already gone (terminated, or failed and out of the group): nothing to do.
    let status = if matches!(replica.status.as_str(), "terminated" | "failed") {
        replica.status.clone()
    } else {
        let done = state
            .lifecycle
            .replica_status(v1::UpdateReplicaStatusRequest {
                agent: Some(agent_ref(client, agent)),
                replica_id: replica.replica_id.clone(),
                status: "terminated".into(),
                actor,
            })
            .await?;
        done.status
    };
    Ok(HttpResponse::Ok().json(ReplicaAnswer {
        success: true,
        replica_id: replica.replica_id.clone(),
        status,
    }))
}

#[cfg(test)]
mod tests {
    use super::replica_pool;
    use crate::routes::client_dashboard::switch::tests::{agent, prices};
    use spot_contracts::v1;

    #[test]
    fn a_manual_replica_goes_to_the_cheapest_other_az() {
        let a = agent("us-east-1a", v1::InstanceMode::Spot);
        let known = prices(&[("us-east-1a", 0.01), ("us-east-1b", 0.02), ("us-east-1d", 0.015)]);
        assert_eq!(replica_pool(&a, &known).as_deref(), Some("t3.medium.us-east-1d"));
        assert_eq!(replica_pool(&a, &prices(&[("us-east-1a", 0.01)])), None);
    }
}
