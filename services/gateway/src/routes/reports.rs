//! Pricing and cleanup reports: validated, published to JetStream, answered
//! after the ack (the agent does not retry, so a 2xx means we have it).

use super::agents::{meta, owned_agent, request_id};
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::agent_v4::Accepted;
use crate::wire::parse_json;
use crate::wire::reports::{CleanupReportRequest, PricingReportRequest};
use actix_web::{HttpRequest, HttpResponse, web};

/// `POST /api/agents/{id}/pricing-report`.
pub async fn pricing(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (client, agent) = owned_agent(&state, &req, &path).await?;
    let event =
        parse_json::<PricingReportRequest>(&body)?.into_event(meta(client, agent, request_id(&req)))?;
    state.bus.publish_event(&event).await?;
    Ok(HttpResponse::Ok().json(Accepted::OK))
}

/// `POST /api/agents/{id}/cleanup-report`.
pub async fn cleanup(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let (client, agent) = owned_agent(&state, &req, &path).await?;
    let event =
        parse_json::<CleanupReportRequest>(&body)?.into_event(meta(client, agent, request_id(&req)))?;
    state.bus.publish_event(&event).await?;
    Ok(HttpResponse::Ok().json(Accepted::OK))
}
