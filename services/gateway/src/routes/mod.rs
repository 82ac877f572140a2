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

/// Registers `method "path" => handler` rows in the order given (actix
/// matches them in that order), one `route` each.
macro_rules! routes {
    ($cfg:expr; $($method:ident $path:literal => $handler:path,)*) => {
        $($cfg.route($path, web::$method().to($handler));)*
    };
}

/// Registers every API route.
pub fn configure(cfg: &mut web::ServiceConfig, state: AppState) {
    cfg.app_data(web::Data::new(state));
    // Matched in order, one pattern at a time: the polled agent routes first.
    routes!(cfg;
        get "/api/agents/{agent_id}/pending-commands" => polling::pending_commands,
        post "/api/agents/{agent_id}/heartbeat" => agents::heartbeat,
        get "/api/agents/{agent_id}/config" => polling::config,
        get "/health" => client::health,
        get "/openapi.json" => crate::openapi::serve,
        get "/asyncapi.yaml" => crate::asyncapi::serve,
        get "/api/client/validate" => client::validate,
        post "/api/admin/clients" => admin::create_client,
        get "/api/admin/tenants" => tenants::list,
        get "/api/admin/tenants/{tenant_id}" => tenants::get,
        delete "/api/admin/tenants/{tenant_id}" => tenants::delete,
        get "/api/admin/tenants/{tenant_id}/stats" => analytics::tenant_stats,
        post "/api/admin/tenants/{tenant_id}/suspend" => tenants::suspend,
        post "/api/admin/tenants/{tenant_id}/resume" => tenants::resume,
        get "/api/admin/tenants/{tenant_id}/tokens" => tenants::list_tokens,
        post "/api/admin/tenants/{tenant_id}/tokens" => tenants::create_token,
        post "/api/admin/tenants/{tenant_id}/tokens/{token_id}/regenerate" => tenants::regenerate_token,
        post "/api/admin/tenants/{tenant_id}/tokens/{token_id}/revoke" => tenants::revoke_token,
        delete "/api/admin/tenants/{tenant_id}/tokens/{token_id}" => tenants::delete_token,
        post "/api/agents/register" => agents::register,
        post "/api/agents/{agent_id}/commands/{command_id}/executed" => polling::executed,
        post "/api/agents/{agent_id}/switch-report" => switching::switch_report,
        post "/api/agents/{agent_id}/issue-switch-command" => client_dashboard::switch::issue,
        post "/api/agents/{agent_id}/replicas" => client_dashboard::replicas::create,
        get "/api/agents/{agent_id}/replicas" => replicas::list,
        post "/api/agents/{agent_id}/replicas/{replica_id}/status" => replicas::status,
        post "/api/agents/{agent_id}/replicas/{replica_id}/promote" => replicas::promote,
        get "/api/agents/{agent_id}/replica-config" => replicas::config,
        post "/api/agents/{agent_id}/pricing-report" => reports::pricing,
        post "/api/agents/{agent_id}/cleanup-report" => reports::cleanup,
        post "/api/agents/{agent_id}/termination-imminent" => emergency::termination_imminent,
        post "/api/agents/{agent_id}/rebalance-recommendation" => emergency::rebalance_recommendation,
        post "/api/agents/{agent_id}/create-emergency-replica" => emergency::create_emergency_replica,
        post "/api/agents/{agent_id}/termination-notice" => emergency::termination_notice,
        post "/api/agents/{agent_id}/rebalance-notice" => emergency::rebalance_notice,
        get "/api/agents/{agent_id}/emergency-status" => emergency::emergency_status,
        get "/api/agents/{agent_id}/emergency-policy" => emergency::get_policy,
        put "/api/agents/{agent_id}/emergency-policy" => emergency::set_policy,
        get "/api/agents/{agent_id}/settings" => settings::get,
        patch "/api/agents/{agent_id}/settings" => settings::update,
        get "/api/pricing/pools/{pool_id}/history" => pricing::history,
        get "/api/pricing/risk" => pricing::risk,
        get "/api/pricing/consolidation-jobs" => pricing::jobs,
        get "/api/savings" => pricing::savings,
        post "/api/admin/pricing/consolidate" => pricing::consolidate,
        get "/api/admin/export/training" => export::training,
        get "/api/audit" => audit::audit,
        post "/api/agents/{agent_id}/enable" => agent_admin::enable,
        post "/api/agents/{agent_id}/disable" => agent_admin::disable,
        get "/api/agents/{agent_id}/cleanup-logs" => audit::cleanup_logs,
        get "/api/agents/{agent_id}/health" => audit::health,
        get "/api/agents/{agent_id}/history" => audit::history,
        get "/api/analytics/switches" => audit::switches,
        get "/api/analytics/downtime" => analytics::downtime,
        get "/api/analytics/emergency-events" => audit::emergency_events,
        get "/api/admin/emergency-events" => audit::admin_emergency_events,
        get "/api/analytics/switches-per-day" => analytics::switches_per_day,
        get "/api/analytics/savings-per-day" => analytics::savings_per_day,
        get "/api/metrics/operational" => analytics::operational,
        get "/api/admin/metrics/operational" => analytics::admin_operational,
        get "/api/decisions" => decisions::list,
        get "/api/decisions/summary" => decisions::summary,
        get "/api/decisions/rejected" => decisions::rejected,
        get "/api/admin/models" => decisions::models,
        post "/api/admin/models" => decisions::register,
    );
    // A model file may be far larger than an agent report.
    cfg.service(
        web::resource("/api/admin/models/onnx")
            .app_data(web::PayloadConfig::new(crate::decisions_client::MAX_UPLOAD))
            .route(web::post().to(decisions::upload_onnx)),
    );
    routes!(cfg;
        post "/api/admin/models/{model_id}/{change:activate|deactivate}" => decisions::activate,
        delete "/api/admin/models/{model_id}" => decisions::delete,
        get "/api/events/stream" => events::stream,
        get "/api/notifications" => notifications::list,
        get "/api/notifications/unread-count" => notifications::unread_count,
        post "/api/notifications/read-all" => notifications::read_all,
        post "/api/notifications/{id}/read" => notifications::read,
        get "/api/webhooks" => webhooks::list,
        post "/api/webhooks" => webhooks::create,
        delete "/api/webhooks/{id}" => webhooks::delete,
        get "/api/webhooks/{id}/deliveries" => webhooks::deliveries,
        get "/api/unknown-instances" => unknown_instances::list,
        get "/api/analytics/replica-costs" => replica_costs::list,
        get "/api/{kind:groups|agents|instances|replicas|commands|switches}" => listing::list,
    );
    // The field's client dashboard (docs/CLIENT_DASHBOARD.md). Static segments
    // first: `/api/client/validate`, `/api/client/agents/..` and
    // `/api/client/instances/..` are not client ids.
    routes!(cfg;
        post "/api/client/agents/{agent_id}/toggle-enabled" => client_dashboard::agents::toggle,
        post "/api/client/agents/{agent_id}/settings" => client_dashboard::agents::settings,
        get "/api/client/instances/{instance_id}/pricing" => client_dashboard::instances::pricing,
        get "/api/client/{client_id}" => client_dashboard::overview::stats,
        get "/api/client/{client_id}/agents" => client_dashboard::agents::list,
        get "/api/client/{client_id}/instances" => client_dashboard::instances::list,
        get "/api/client/{client_id}/switches" => client_dashboard::switches::list,
        get "/api/client/{client_id}/replicas" => client_dashboard::replicas::list,
        get "/api/client/{client_id}/savings" => client_dashboard::overview::savings,
        get "/api/client/{client_id}/analytics/downtime" => analytics::client_downtime,
        get "/api/agents/{agent_id}" => client_dashboard::agents::get,
        delete "/api/agents/{agent_id}" => agent_admin::delete,
        delete "/api/agents/{agent_id}/replicas/{replica_id}" => client_dashboard::replicas::delete,
    );
}
