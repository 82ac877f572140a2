//! Replica calls of agents (and operators for promotion).

use super::agents::{agent_ref, operator_agent, owned_agent, request_id};
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::parse_json;
use crate::wire::replicas::{CreateReplicaRequest, PromoteRequest, ReplicaStatusRequest, ReplicaView};
use actix_web::{HttpRequest, HttpResponse, web};
use spot_contracts::v1;

/// `POST /api/agents/{id}/replicas` -> `{replica_id, ...}`.
#[utoipa::path(
    post,
    path = "/api/agents/{agent_id}/replicas",
    tag = "agent v4",
    summary = "Record a replica instance",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    request_body = crate::wire::replicas::CreateReplicaRequest,
    responses((status = 200, body = crate::wire::replicas::ReplicaView), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 404, description = "Unknown agent, or another tenant's (agent_not_found)", body = crate::openapi::ApiErrorBody), (status = 409, description = "Conflicts with the current state (stable code)", body = crate::openapi::ApiErrorBody), (status = 503, description = "Bus or lifecycle unavailable; retry after Retry-After", body = crate::openapi::ApiErrorBody))
)]
pub async fn create(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (client, agent) = owned_agent(&state, &req, &path).await?;
    let r = parse_json::<CreateReplicaRequest>(&body)?;
    let c = crate::wire::clean;
    let instance_id =
        c(r.instance_id).ok_or_else(|| ApiError::InvalidField("instance_id is required".into()))?;
    let record = state
        .lifecycle
        .create_replica(v1::CreateReplicaRequest {
            agent: Some(agent_ref(client, agent)),
            instance_id,
            replica_type: c(r.replica_type).unwrap_or_default(),
            parent_instance_id: c(r.parent_instance_id).unwrap_or_default(),
            pool_id: c(r.pool_id).unwrap_or_default(),
            status: c(r.status).unwrap_or_default(),
            request_id: c(r.request_id).unwrap_or_else(|| request_id(&req)),
        })
        .await?;
    Ok(HttpResponse::Ok().json(crate::wire::dashboard::Succeeded::new(ReplicaView::from(&record))))
}

/// `GET /api/agents/{id}/replicas`.
#[utoipa::path(
    get,
    path = "/api/agents/{agent_id}/replicas",
    tag = "agent v4",
    summary = "Replicas of the agent's group",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    responses((status = 200, body = serde_json::Value), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 404, description = "Unknown agent, or another tenant's (agent_not_found)", body = crate::openapi::ApiErrorBody), (status = 503, description = "Bus or lifecycle unavailable; retry after Retry-After", body = crate::openapi::ApiErrorBody))
)]
pub async fn list(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (client, agent) = owned_agent(&state, &req, &path).await?;
    let list = state.lifecycle.list_replicas(agent_ref(client, agent)).await?;
    let views: Vec<ReplicaView> = list.replicas.iter().map(ReplicaView::from).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({"replicas": views})))
}

/// `POST /api/agents/{id}/replicas/{rid}/status {status}`.
#[utoipa::path(
    post,
    path = "/api/agents/{agent_id}/replicas/{replica_id}/status",
    tag = "agent v4",
    summary = "Replica status report",
    params(("agent_id" = String, Path, description = "Agent id (UUID)"), ("replica_id" = String, Path, description = "Replica id")),
    request_body = crate::wire::replicas::ReplicaStatusRequest,
    responses((status = 200, body = crate::wire::replicas::ReplicaView), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 404, description = "Unknown agent, or another tenant's (agent_not_found)", body = crate::openapi::ApiErrorBody), (status = 409, description = "Conflicts with the current state (stable code)", body = crate::openapi::ApiErrorBody), (status = 503, description = "Bus or lifecycle unavailable; retry after Retry-After", body = crate::openapi::ApiErrorBody))
)]
pub async fn status(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (agent_raw, replica_id) = path.into_inner();
    let (client, agent) = owned_agent(&state, &req, &agent_raw).await?;
    let status = crate::wire::clean(parse_json::<ReplicaStatusRequest>(&body)?.status)
        .ok_or_else(|| ApiError::InvalidField("status is required".into()))?;
    let record = state
        .lifecycle
        .replica_status(v1::UpdateReplicaStatusRequest {
            agent: Some(agent_ref(client, agent)),
            replica_id,
            status,
            actor: String::new(),
        })
        .await?;
    Ok(HttpResponse::Ok().json(ReplicaView::from(&record)))
}

/// `POST /api/agents/{id}/replicas/{rid}/promote [{expected_version}]`: 409
/// when the replica is not ready, already promoted, or the group moved on.
#[utoipa::path(
    post,
    path = "/api/agents/{agent_id}/replicas/{replica_id}/promote",
    tag = "agent v4",
    summary = "Promote a ready replica (optimistic, 409 on conflict)",
    params(("agent_id" = String, Path, description = "Agent id (UUID)"), ("replica_id" = String, Path, description = "Replica id")),
    request_body = crate::wire::replicas::PromoteRequest,
    responses((status = 200, body = serde_json::Value), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 404, description = "Unknown agent, or another tenant's (agent_not_found)", body = crate::openapi::ApiErrorBody), (status = 409, description = "Conflicts with the current state (stable code)", body = crate::openapi::ApiErrorBody), (status = 503, description = "Bus or lifecycle unavailable; retry after Retry-After", body = crate::openapi::ApiErrorBody))
)]
pub async fn promote(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (agent_raw, replica_id) = path.into_inner();
    let (client, agent, actor) = operator_agent(&state, &req, &agent_raw).await?;
    let body =
        if body.iter().all(u8::is_ascii_whitespace) { PromoteRequest::default() } else { parse_json(&body)? };
    let done = state
        .lifecycle
        .promote_replica(v1::PromoteReplicaRequest {
            agent: Some(agent_ref(client, agent)),
            replica_id,
            expected_version: body.expected_version,
            actor,
            request_id: crate::wire::clean(body.request_id).unwrap_or_else(|| request_id(&req)),
        })
        .await?;
    state.config_cache.invalidate(agent);
    Ok(HttpResponse::Ok().json(serde_json::json!({
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
#[utoipa::path(
    get,
    path = "/api/agents/{agent_id}/replica-config",
    tag = "agent v4",
    summary = "Replica view of the group",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    responses((status = 200, body = serde_json::Value), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 404, description = "Unknown agent, or another tenant's (agent_not_found)", body = crate::openapi::ApiErrorBody), (status = 503, description = "Bus or lifecycle unavailable; retry after Retry-After", body = crate::openapi::ApiErrorBody))
)]
pub async fn config(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let (client, agent) = owned_agent(&state, &req, &path).await?;
    let c = state.lifecycle.replica_config(agent_ref(client, agent)).await?;
    let views: Vec<ReplicaView> = c.replicas.iter().map(ReplicaView::from).collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({
        "manual_replica": c.manual_replica,
        "auto_switch": c.auto_switch,
        "primary_instance_id": c.primary_instance_id,
        "role": c.role,
        "replicas": views,
    })))
}
