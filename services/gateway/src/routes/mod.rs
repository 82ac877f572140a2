//! HTTP routes: thin handlers that authenticate, parse, call a store or
//! another service, and map the result.

pub mod admin;
pub mod agents;
pub mod client;
pub mod metrics;

use crate::state::AppState;
use actix_web::web;

/// Registers every API route.
pub fn configure(cfg: &mut web::ServiceConfig, state: AppState) {
    cfg.app_data(web::Data::new(state))
        .route("/health", web::get().to(client::health))
        .route("/api/client/validate", web::get().to(client::validate))
        .route("/api/admin/clients", web::post().to(admin::create_client))
        .route("/api/agents/register", web::post().to(agents::register))
        .route("/api/agents/{agent_id}/heartbeat", web::post().to(agents::heartbeat));
}
