//! Agent v4 calls: registration and heartbeat.

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::agents as agent_map;
use crate::wire::agent_v4::{
    Accepted, AgentConfigBody, Heartbeat, HeartbeatRequest, RegisterRequest, RegisterResponse,
};
use crate::wire::parse_json;
use actix_web::{HttpRequest, HttpResponse, web};
use spot_contracts::v1;
use spot_domain::{AgentId, ClientId};
use uuid::Uuid;

/// The `X-Request-ID` header, if any.
pub fn request_id(req: &HttpRequest) -> String {
    req.headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().chars().take(200).collect())
        .unwrap_or_default()
}

/// Parses the `{agent_id}` path segment.
pub fn agent_id(raw: &str) -> Result<AgentId, ApiError> {
    AgentId::parse(raw).map_err(|_| ApiError::InvalidField("agent_id in the path is not a valid UUID".into()))
}

/// Authenticates and checks the agent belongs to the caller's tenant.
pub async fn owned_agent(
    state: &AppState,
    req: &HttpRequest,
    raw: &str,
) -> Result<(ClientId, AgentId), ApiError> {
    let tenant = state.tokens.tenant(&state.db, req).await?;
    let agent = agent_id(raw)?;
    if !state.agents.belongs_to(&state.db, agent, tenant.id).await? {
        return Err(ApiError::AgentNotFound);
    }
    Ok((tenant.id, agent))
}

/// The agent reference lifecycle calls take.
pub fn agent_ref(client: ClientId, agent: AgentId) -> v1::AgentRef {
    v1::AgentRef { client_id: client.to_string(), agent_id: agent.to_string() }
}

/// An operator acting on an agent: the tenant's own token, or the admin
/// token (then the agent's owner is the tenant). Returns the audit actor.
pub async fn operator_agent(
    state: &AppState,
    req: &HttpRequest,
    raw: &str,
) -> Result<(ClientId, AgentId, String), ApiError> {
    if crate::auth::require_admin(req, state.admin_token_hash.as_ref()).is_ok() {
        let agent = agent_id(raw)?;
        let owner = agent_map::owner(&state.db, agent).await?.ok_or(ApiError::AgentNotFound)?;
        return Ok((owner, agent, "admin".to_owned()));
    }
    let (client, agent) = owned_agent(state, req, raw).await?;
    let token = crate::auth::bearer(req).unwrap_or_default();
    let prefix: String = token.chars().take(12).collect();
    Ok((client, agent, format!("user:{prefix}")))
}

/// Metadata of an event the gateway publishes on behalf of an agent.
pub fn meta(client: ClientId, agent: AgentId, request_id: String) -> v1::EventMeta {
    v1::EventMeta {
        event_id: Uuid::now_v7().to_string(),
        occurred_at: Some(spot_contracts::Timestamp::from(std::time::SystemTime::now())),
        client_id: client.to_string(),
        agent_id: agent.to_string(),
        producer: crate::NAME.to_owned(),
        request_id,
    }
}

/// `POST /api/agents/register`: always mints a new agent id (lifecycle
/// decides role and `enabled`), then records the agent's tenant here.
#[utoipa::path(
    post,
    path = "/api/agents/register",
    tag = "agent v4",
    summary = "Register an agent process (always a new agent_id)",
    request_body = crate::wire::agent_v4::RegisterRequest,
    responses((status = 200, body = crate::wire::agent_v4::RegisterResponse), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 503, description = "Bus or lifecycle unavailable; retry after Retry-After", body = crate::openapi::ApiErrorBody))
)]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let tenant = state.tokens.tenant(&state.db, &req).await?;
    let mut call = parse_json::<RegisterRequest>(&body)?.into_grpc(&tenant.id.to_string())?;
    if call.request_id.is_empty() {
        call.request_id = request_id(&req);
    }
    let logical = call.logical_agent_id.clone();
    let answer = state.lifecycle.register(call).await?;
    let agent = AgentId::parse(&answer.agent_id).map_err(ApiError::internal)?;
    agent_map::insert(&state.db, agent, tenant.id, &logical).await?;
    state.agents.remember(agent, tenant.id);
    let enabled = answer.config.map(|c| c.enabled).unwrap_or(true);
    Ok(HttpResponse::Ok().json(RegisterResponse {
        agent_id: agent.to_string(),
        client_id: tenant.id.to_string(),
        status: "registered",
        config: AgentConfigBody { enabled },
    }))
}

/// `POST /api/agents/{id}/heartbeat`: published to JetStream; 200 only after
/// the ack, 503 + Retry-After when the bus is down.
#[utoipa::path(
    post,
    path = "/api/agents/{agent_id}/heartbeat",
    tag = "agent v4",
    summary = "Heartbeat, also the shutdown form",
    params(("agent_id" = String, Path, description = "Agent id (UUID)")),
    request_body = crate::wire::agent_v4::HeartbeatRequest,
    responses((status = 200, body = crate::wire::agent_v4::Accepted), (status = 400, description = "Invalid input (malformed_json, invalid_field)", body = crate::openapi::ApiErrorBody), (status = 401, description = "Missing or unknown token", body = crate::openapi::ApiErrorBody), (status = 404, description = "Unknown agent, or another tenant's (agent_not_found)", body = crate::openapi::ApiErrorBody), (status = 503, description = "Bus or lifecycle unavailable; retry after Retry-After", body = crate::openapi::ApiErrorBody))
)]
pub async fn heartbeat(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (client, agent) = owned_agent(&state, &req, &path).await?;
    let heartbeat = Heartbeat::try_from(parse_json::<HeartbeatRequest>(&body)?)?;
    let event = heartbeat.into_event(meta(client, agent, request_id(&req)));
    state.bus.publish_event(&event).await?;
    Ok(HttpResponse::Ok().json(Accepted::OK))
}
