//! HTTP routes: thin handlers. Each takes the caller it accepts as an
//! extractor (`crate::http::caller`), parses the body, calls a store or
//! another service, and maps the answer; errors map once in `ApiError`.

pub mod admin;
pub mod agents;
pub mod client;
pub mod client_dashboard;
pub mod decisions;
pub mod emergency;
pub mod fallback;
pub mod labels;
pub mod listing;
pub mod metrics;
pub mod polling;
pub mod pricing;
pub mod replicas;
pub mod reports;
pub mod settings;
pub mod switching;

use crate::state::AppState;
use actix_web::web;

/// Registers every API route.
pub fn configure(cfg: &mut web::ServiceConfig, state: AppState) {
    // Matched in order, one pattern at a time: the polled agent routes first.
    cfg.app_data(web::Data::new(state))
        .route("/api/agents/{agent_id}/pending-commands", web::get().to(polling::pending_commands))
        .route("/api/agents/{agent_id}/heartbeat", web::post().to(agents::heartbeat))
        .route("/api/agents/{agent_id}/config", web::get().to(polling::config))
        .route("/health", web::get().to(client::health))
        .route("/openapi.json", web::get().to(crate::openapi::serve))
        .route("/asyncapi.yaml", web::get().to(crate::asyncapi::serve))
        .route("/api/client/validate", web::get().to(client::validate))
        .route("/api/admin/clients", web::post().to(admin::create_client))
        .route("/api/agents/register", web::post().to(agents::register))
        .route("/api/agents/{agent_id}/commands/{command_id}/executed", web::post().to(polling::executed))
        .route("/api/agents/{agent_id}/switch-report", web::post().to(switching::switch_report))
        .route("/api/agents/{agent_id}/issue-switch-command", web::post().to(client_dashboard::switch::issue))
        .route("/api/agents/{agent_id}/replicas", web::post().to(client_dashboard::replicas::create))
        .route("/api/agents/{agent_id}/replicas", web::get().to(replicas::list))
        .route("/api/agents/{agent_id}/replicas/{replica_id}/status", web::post().to(replicas::status))
        .route("/api/agents/{agent_id}/replicas/{replica_id}/promote", web::post().to(replicas::promote))
        .route("/api/agents/{agent_id}/replica-config", web::get().to(replicas::config))
        .route("/api/agents/{agent_id}/pricing-report", web::post().to(reports::pricing))
        .route("/api/agents/{agent_id}/cleanup-report", web::post().to(reports::cleanup))
        .route("/api/agents/{agent_id}/termination-imminent", web::post().to(emergency::termination_imminent))
        .route(
            "/api/agents/{agent_id}/rebalance-recommendation",
            web::post().to(emergency::rebalance_recommendation),
        )
        .route(
            "/api/agents/{agent_id}/create-emergency-replica",
            web::post().to(emergency::create_emergency_replica),
        )
        .route("/api/agents/{agent_id}/termination-notice", web::post().to(emergency::termination_notice))
        .route("/api/agents/{agent_id}/rebalance-notice", web::post().to(emergency::rebalance_notice))
        .route("/api/agents/{agent_id}/emergency-status", web::get().to(emergency::emergency_status))
        .route("/api/agents/{agent_id}/emergency-policy", web::get().to(emergency::get_policy))
        .route("/api/agents/{agent_id}/emergency-policy", web::put().to(emergency::set_policy))
        .route("/api/agents/{agent_id}/settings", web::get().to(settings::get))
        .route("/api/agents/{agent_id}/settings", web::patch().to(settings::update))
        .route("/api/pricing/pools/{pool_id}/history", web::get().to(pricing::history))
        .route("/api/pricing/risk", web::get().to(pricing::risk))
        .route("/api/pricing/consolidation-jobs", web::get().to(pricing::jobs))
        .route("/api/savings", web::get().to(pricing::savings))
        .route("/api/admin/pricing/consolidate", web::post().to(pricing::consolidate))
        .route("/api/decisions", web::get().to(decisions::list))
        .route("/api/decisions/summary", web::get().to(decisions::summary))
        .route("/api/decisions/rejected", web::get().to(decisions::rejected))
        .route("/api/admin/models", web::get().to(decisions::models))
        .route("/api/admin/models", web::post().to(decisions::register))
        .route("/api/admin/models/onnx", web::post().to(decisions::upload_onnx))
        .route(
            "/api/admin/models/{model_id}/{change:activate|deactivate}",
            web::post().to(decisions::activate),
        )
        .route("/api/admin/models/{model_id}", web::delete().to(decisions::delete))
        .route(
            "/api/{kind:groups|agents|instances|replicas|commands|switches}",
            web::get().to(listing::list),
        );
    // The field's client dashboard (docs/CLIENT_DASHBOARD.md). Static segments
    // first: `/api/client/validate`, `/api/client/agents/..` and
    // `/api/client/instances/..` are not client ids.
    cfg.route(
        "/api/client/agents/{agent_id}/toggle-enabled",
        web::post().to(client_dashboard::agents::toggle),
    )
    .route("/api/client/agents/{agent_id}/settings", web::post().to(client_dashboard::agents::settings))
    .route("/api/client/instances/{instance_id}/pricing", web::get().to(client_dashboard::instances::pricing))
    .route("/api/client/{client_id}", web::get().to(client_dashboard::overview::stats))
    .route("/api/client/{client_id}/agents", web::get().to(client_dashboard::agents::list))
    .route("/api/client/{client_id}/instances", web::get().to(client_dashboard::instances::list))
    .route("/api/client/{client_id}/switches", web::get().to(client_dashboard::switches::list))
    .route("/api/client/{client_id}/replicas", web::get().to(client_dashboard::replicas::list))
    .route("/api/client/{client_id}/savings", web::get().to(client_dashboard::overview::savings))
    .route("/api/agents/{agent_id}", web::get().to(client_dashboard::agents::get))
    .route(
        "/api/agents/{agent_id}/replicas/{replica_id}",
        web::delete().to(client_dashboard::replicas::delete),
    );
}
