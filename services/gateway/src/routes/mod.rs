//! HTTP routes: thin handlers. Each takes the caller it accepts as an
//! extractor (`crate::http::caller`), parses the body, calls a store or
//! another service, and maps the answer; errors map once in `ApiError`.

pub mod admin;
pub mod agent_admin;
pub mod agents;
pub mod analytics;
pub mod audit;
pub mod client;
pub mod client_dashboard;
pub mod decisions;
pub mod emergency;
pub mod events;
pub mod export;
pub mod fallback;
pub mod labels;
pub mod listing;
pub mod metrics;
pub mod notifications;
pub mod polling;
pub mod pricing;
pub mod read_scope;
pub mod replica_costs;
pub mod replicas;
pub mod reports;
pub mod settings;
pub mod switching;
pub mod tenants;
pub mod unknown_instances;
pub mod webhooks;

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
        .route("/api/admin/tenants", web::get().to(tenants::list))
        .route("/api/admin/tenants/{tenant_id}", web::get().to(tenants::get))
        .route("/api/admin/tenants/{tenant_id}", web::delete().to(tenants::delete))
        .route("/api/admin/tenants/{tenant_id}/stats", web::get().to(analytics::tenant_stats))
        .route("/api/admin/tenants/{tenant_id}/suspend", web::post().to(tenants::suspend))
        .route("/api/admin/tenants/{tenant_id}/resume", web::post().to(tenants::resume))
        .route("/api/admin/tenants/{tenant_id}/tokens", web::get().to(tenants::list_tokens))
        .route("/api/admin/tenants/{tenant_id}/tokens", web::post().to(tenants::create_token))
        .route(
            "/api/admin/tenants/{tenant_id}/tokens/{token_id}/regenerate",
            web::post().to(tenants::regenerate_token),
        )
        .route(
            "/api/admin/tenants/{tenant_id}/tokens/{token_id}/revoke",
            web::post().to(tenants::revoke_token),
        )
        .route("/api/admin/tenants/{tenant_id}/tokens/{token_id}", web::delete().to(tenants::delete_token))
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
        .route("/api/admin/export/training", web::get().to(export::training))
        .route("/api/audit", web::get().to(audit::audit))
        .route("/api/agents/{agent_id}/enable", web::post().to(agent_admin::enable))
        .route("/api/agents/{agent_id}/disable", web::post().to(agent_admin::disable))
        .route("/api/agents/{agent_id}/cleanup-logs", web::get().to(audit::cleanup_logs))
        .route("/api/agents/{agent_id}/health", web::get().to(audit::health))
        .route("/api/agents/{agent_id}/history", web::get().to(audit::history))
        .route("/api/analytics/switches", web::get().to(audit::switches))
        .route("/api/analytics/downtime", web::get().to(analytics::downtime))
        .route("/api/analytics/emergency-events", web::get().to(audit::emergency_events))
        .route("/api/admin/emergency-events", web::get().to(audit::admin_emergency_events))
        .route("/api/analytics/switches-per-day", web::get().to(analytics::switches_per_day))
        .route("/api/analytics/savings-per-day", web::get().to(analytics::savings_per_day))
        .route("/api/metrics/operational", web::get().to(analytics::operational))
        .route("/api/admin/metrics/operational", web::get().to(analytics::admin_operational))
        .route("/api/decisions", web::get().to(decisions::list))
        .route("/api/decisions/summary", web::get().to(decisions::summary))
        .route("/api/decisions/rejected", web::get().to(decisions::rejected))
        .route("/api/admin/models", web::get().to(decisions::models))
        .route("/api/admin/models", web::post().to(decisions::register))
        .service(
            // A model file may be far larger than an agent report.
            web::resource("/api/admin/models/onnx")
                .app_data(web::PayloadConfig::new(crate::decisions_client::MAX_UPLOAD))
                .route(web::post().to(decisions::upload_onnx)),
        )
        .route(
            "/api/admin/models/{model_id}/{change:activate|deactivate}",
            web::post().to(decisions::activate),
        )
        .route("/api/admin/models/{model_id}", web::delete().to(decisions::delete))
        .route("/api/events/stream", web::get().to(events::stream))
        .route("/api/notifications", web::get().to(notifications::list))
        .route("/api/notifications/unread-count", web::get().to(notifications::unread_count))
        .route("/api/notifications/read-all", web::post().to(notifications::read_all))
        .route("/api/notifications/{id}/read", web::post().to(notifications::read))
        .route("/api/webhooks", web::get().to(webhooks::list))
        .route("/api/webhooks", web::post().to(webhooks::create))
        .route("/api/webhooks/{id}", web::delete().to(webhooks::delete))
        .route("/api/webhooks/{id}/deliveries", web::get().to(webhooks::deliveries))
        .route("/api/unknown-instances", web::get().to(unknown_instances::list))
        .route("/api/analytics/replica-costs", web::get().to(replica_costs::list))
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
    .route("/api/client/{client_id}/analytics/downtime", web::get().to(analytics::client_downtime))
    .route("/api/agents/{agent_id}", web::get().to(client_dashboard::agents::get))
    .route("/api/agents/{agent_id}", web::delete().to(agent_admin::delete))
    .route(
        "/api/agents/{agent_id}/replicas/{replica_id}",
        web::delete().to(client_dashboard::replicas::delete),
    );
}
