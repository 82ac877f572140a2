//! Agent v4 calls: registration and heartbeat.

use crate::auth::Tenant;
use crate::error::ApiError;
use crate::http::{AgentCaller, AgentPath, ApiErrors, Reply, publish_then_accept, request_id};
use crate::state::AppState;
use crate::store::agents as agent_map;
use crate::wire::agent_v4::{
    Accepted, AgentConfigBody, Heartbeat, HeartbeatRequest, RegisterRequest, RegisterResponse,
};
use crate::wire::parse_json;
use actix_web::{HttpRequest, web};
use spot_domain::AgentId;

/// `POST /api/agents/register`: always mints a new agent id (lifecycle
/// decides role and `enabled`), then records the agent's tenant here.
#[utoipa::path(post, path = "/api/agents/register", tag = "agent v4",
    summary = "Register an agent process (always a new agent_id)",
    request_body = RegisterRequest, responses((status = 200, body = RegisterResponse), ApiErrors))]
pub async fn register(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
    tenant: Tenant,
) -> Reply<RegisterResponse> {
    let mut call = parse_json::<RegisterRequest>(&body)?.into_grpc(&tenant.id.to_string())?;
    if call.request_id.is_empty() {
        call.request_id = request_id(&req);
    }
    let logical = call.logical_agent_id.clone();
    // A new agent's first polls are answered from the cache: its config is in
    // the answer and it has no commands yet (whatever queues one publishes a
    // change, which wins over this fill; docs/ARCHITECTURE.md). Without this,
    // every registration costs two lifecycle lookups 15-60 s later, all at
    // once when a whole fleet registers (docs/BENCHMARKS.md, "Storms").
    let generations = (state.config_cache.unseen_generation(), state.commands_cache.unseen_generation());
    let answer = state.lifecycle.register(call).await?;
    let agent = AgentId::parse(&answer.agent_id).map_err(ApiError::internal)?;
    state
        .registrations
        .record(agent_map::NewAgent { agent, tenant: tenant.id, logical_agent_id: logical })
        .await?;
    state.agents.remember(agent, tenant.id);
    let enabled = answer.config.map(|c| c.enabled).unwrap_or(true);
    state.config_cache.put(agent, generations.0, enabled);
    state.commands_cache.put(agent, generations.1, std::sync::Arc::new(Vec::new()));
    Ok(web::Json(RegisterResponse {
        agent_id: agent.to_string(),
        client_id: tenant.id.to_string(),
        status: "registered",
        config: AgentConfigBody { enabled },
    }))
}

/// `POST /api/agents/{id}/heartbeat`: published to JetStream; 200 only after
/// the ack, 503 + Retry-After when the bus is down.
#[utoipa::path(post, path = "/api/agents/{agent_id}/heartbeat", tag = "agent v4",
    summary = "Heartbeat, also the shutdown form", params(AgentPath),
    request_body = HeartbeatRequest, responses((status = 200, body = Accepted), ApiErrors))]
pub async fn heartbeat(state: web::Data<AppState>, caller: AgentCaller, body: web::Bytes) -> Reply<Accepted> {
    let heartbeat = Heartbeat::try_from(parse_json::<HeartbeatRequest>(&body)?)?;
    publish_then_accept(&state, &heartbeat.into_event(caller.event_meta())).await
}
