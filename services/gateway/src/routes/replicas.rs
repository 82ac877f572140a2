//! Replica calls of agents (and operators for promotion).

use crate::error::ApiError;
use crate::http::{AgentCaller, AgentPath, ApiErrors, Operator, ReplicaPath, Reply};
use crate::state::AppState;
use crate::wire::replicas::{CreateReplicaRequest, PromoteRequest, ReplicaStatusRequest, ReplicaView};
use crate::wire::{clean, parse_json, parse_optional_json};
use actix_web::web;
use serde_json::{Value, json};
use spot_contracts::v1;

/// `POST /api/agents/{id}/replicas` -> `{replica_id, ...}`.
#[utoipa::path(post, path = "/api/agents/{agent_id}/replicas", tag = "agent v4",
    summary = "Record a replica instance", params(AgentPath),
    request_body = CreateReplicaRequest, responses((status = 200, body = ReplicaView), ApiErrors))]
pub async fn create(
    state: web::Data<AppState>,
    caller: AgentCaller,
    body: web::Bytes,
) -> Reply<crate::wire::dashboard::Succeeded<ReplicaView>> {
    let r = parse_json::<CreateReplicaRequest>(&body)?;
    let instance_id =
        clean(r.instance_id).ok_or_else(|| ApiError::InvalidField("instance_id is required".into()))?;
    let record = state
        .lifecycle
        .create_replica(v1::CreateReplicaRequest {
            agent: Some(caller.agent_ref()),
            instance_id,
            replica_type: clean(r.replica_type).unwrap_or_default(),
            parent_instance_id: clean(r.parent_instance_id).unwrap_or_default(),
            pool_id: clean(r.pool_id).unwrap_or_default(),
            status: clean(r.status).unwrap_or_default(),
            request_id: clean(r.request_id).unwrap_or(caller.request_id),
        })
        .await?;
    Ok(web::Json(crate::wire::dashboard::Succeeded::new(ReplicaView::from(&record))))
}

/// `GET /api/agents/{id}/replicas`.
#[utoipa::path(get, path = "/api/agents/{agent_id}/replicas", tag = "agent v4",
    summary = "Replicas of the agent's group", params(AgentPath),
    responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn list(state: web::Data<AppState>, caller: AgentCaller) -> Reply<Value> {
    let list = state.lifecycle.list_replicas(caller.agent_ref()).await?;
    let views: Vec<ReplicaView> = list.replicas.iter().map(ReplicaView::from).collect();
    Ok(web::Json(json!({"replicas": views})))
}

/// `POST /api/agents/{id}/replicas/{rid}/status {status}`.
#[utoipa::path(post, path = "/api/agents/{agent_id}/replicas/{replica_id}/status", tag = "agent v4",
    summary = "Replica status report", params(ReplicaPath),
    request_body = ReplicaStatusRequest, responses((status = 200, body = ReplicaView), ApiErrors))]
pub async fn status(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    caller: AgentCaller,
    body: web::Bytes,
) -> Reply<ReplicaView> {
    let status = clean(parse_json::<ReplicaStatusRequest>(&body)?.status)
        .ok_or_else(|| ApiError::InvalidField("status is required".into()))?;
    let (_, replica_id) = path.into_inner();
    let request = v1::UpdateReplicaStatusRequest {
        agent: Some(caller.agent_ref()),
        replica_id,
        status,
        actor: String::new(),
    };
    let record = state.lifecycle.replica_status(request).await?;
    Ok(web::Json(ReplicaView::from(&record)))
}

/// `POST /api/agents/{id}/replicas/{rid}/promote [{expected_version}]`: 409
/// when the replica is not ready, already promoted, or the group moved on.
#[utoipa::path(post, path = "/api/agents/{agent_id}/replicas/{replica_id}/promote", tag = "agent v4",
    summary = "Promote a ready replica (optimistic, 409 on conflict)", params(ReplicaPath),
    request_body = PromoteRequest, responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn promote(
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    operator: Operator,
    body: web::Bytes,
) -> Reply<Value> {
    let body: PromoteRequest = parse_optional_json(&body)?;
    let done = state
        .lifecycle
        .promote_replica(v1::PromoteReplicaRequest {
            agent: Some(operator.agent_ref()),
            replica_id: path.into_inner().1,
            expected_version: body.expected_version,
            request_id: clean(body.request_id).unwrap_or(operator.request_id),
            actor: operator.actor,
        })
        .await?;
    state.config_cache.invalidate(operator.agent);
    Ok(web::Json(json!({
        "success": true,
        "new_instance_id": done.new_primary_instance_id,
        "status": "promoted",
        "replica_id": done.replica_id,
        "new_primary_instance_id": done.new_primary_instance_id,
        "old_primary_instance_id": done.old_primary_instance_id,
        "old_primary_role": done.old_primary_role,
        "group_version": done.group_version,
    })))
}

/// `GET /api/agents/{id}/replica-config`.
#[utoipa::path(get, path = "/api/agents/{agent_id}/replica-config", tag = "agent v4",
    summary = "Replica view of the group", params(AgentPath),
    responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn config(state: web::Data<AppState>, caller: AgentCaller) -> Reply<Value> {
    let c = state.lifecycle.replica_config(caller.agent_ref()).await?;
    let views: Vec<ReplicaView> = c.replicas.iter().map(ReplicaView::from).collect();
    Ok(web::Json(json!({
        "manual_replica": c.manual_replica,
        "auto_switch": c.auto_switch,
        "primary_instance_id": c.primary_instance_id,
        "role": c.role,
        "replicas": views,
    })))
}
