//! Pricing and cleanup reports: validated, published to JetStream, answered
//! after the ack (the agent does not retry, so a 2xx means we have it).

use crate::http::{AgentCaller, AgentPath, ApiErrors, Reply, publish_then_accept};
use crate::state::AppState;
use crate::wire::agent_v4::Accepted;
use crate::wire::parse_json;
use crate::wire::reports::{CleanupReportRequest, PricingReportRequest};
use actix_web::web;

/// `POST /api/agents/{id}/pricing-report`.
#[utoipa::path(post, path = "/api/agents/{agent_id}/pricing-report", tag = "agent v4",
    summary = "Pricing report (published for the pricing service)", params(AgentPath),
    request_body = PricingReportRequest, responses((status = 200, body = Accepted), ApiErrors))]
pub async fn pricing(state: web::Data<AppState>, caller: AgentCaller, body: web::Bytes) -> Reply<Accepted> {
    let event = parse_json::<PricingReportRequest>(&body)?.into_event(caller.event_meta())?;
    publish_then_accept(&state, &event).await
}

/// `POST /api/agents/{id}/cleanup-report`.
#[utoipa::path(post, path = "/api/agents/{agent_id}/cleanup-report", tag = "agent v4",
    summary = "Hourly cleanup report", params(AgentPath),
    request_body = CleanupReportRequest, responses((status = 200, body = Accepted), ApiErrors))]
pub async fn cleanup(state: web::Data<AppState>, caller: AgentCaller, body: web::Bytes) -> Reply<Accepted> {
    let event = parse_json::<CleanupReportRequest>(&body)?.into_event(caller.event_meta())?;
    publish_then_accept(&state, &event).await
}
