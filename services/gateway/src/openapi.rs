//! The OpenAPI document of the agent and operator API, generated from the
//! handlers' `#[utoipa::path]` annotations and the wire types, served at
//! `GET /openapi.json`. A test checks that every registered route is in it.
//! The document depends on the routes, never the other way round; the
//! metrics' route labels are built from it here.

use crate::http::documented::EdgeLayers;
use crate::routes::labels::{RouteClass, RouteLabels};
use crate::routes::{
    admin, agent_admin, agents, analytics, audit, client, client_dashboard, decisions, emergency, events,
    export, listing, notifications, polling, pricing, replica_costs, replicas, reports, settings, switching,
    tenants, unknown_instances, webhooks,
};
use actix_web::HttpResponse;
use utoipa::OpenApi;

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Spot Optimizer control plane",
        description = "Agent v4 protocol (unmodified) and operator API. Every call takes `Authorization: Bearer <token>`."
    ),
    paths(
        client::health,
        client::validate,
        admin::create_client,
        tenants::list,
        tenants::get,
        tenants::suspend,
        tenants::resume,
        tenants::delete,
        tenants::list_tokens,
        tenants::create_token,
        tenants::regenerate_token,
        tenants::revoke_token,
        tenants::delete_token,
        analytics::tenant_stats,
        analytics::downtime,
        analytics::switches_per_day,
        analytics::savings_per_day,
        analytics::operational,
        analytics::admin_operational,
        analytics::client_downtime,
        audit::audit,
        agent_admin::enable,
        agent_admin::disable,
        agent_admin::delete,
        audit::cleanup_logs,
        audit::health,
        audit::history,
        audit::switches,
        audit::emergency_events,
        audit::admin_emergency_events,
        agents::register,
        agents::heartbeat,
        polling::config,
        polling::pending_commands,
        polling::executed,
        switching::switch_report,
        client_dashboard::switch::issue,
        client_dashboard::replicas::create,
        replicas::list,
        replicas::status,
        replicas::promote,
        replicas::config,
        reports::pricing,
        reports::cleanup,
        settings::get,
        settings::update,
        listing::list,
        pricing::history,
        pricing::risk,
        pricing::savings,
        pricing::jobs,
        pricing::consolidate,
        export::training,
        emergency::termination_imminent,
        emergency::create_emergency_replica,
        emergency::rebalance_recommendation,
        emergency::termination_notice,
        emergency::rebalance_notice,
        emergency::emergency_status,
        emergency::get_policy,
        emergency::set_policy,
        client_dashboard::overview::stats,
        client_dashboard::overview::savings,
        client_dashboard::agents::list,
        client_dashboard::agents::get,
        client_dashboard::agents::toggle,
        client_dashboard::agents::settings,
        client_dashboard::instances::list,
        client_dashboard::instances::pricing,
        client_dashboard::switches::list,
        client_dashboard::replicas::list,
        client_dashboard::replicas::delete,
        decisions::list,
        decisions::summary,
        decisions::rejected,
        decisions::models,
        decisions::register,
        decisions::upload_onnx,
        decisions::activate,
        decisions::delete,
        events::stream,
        notifications::list,
        notifications::unread_count,
        notifications::read,
        notifications::read_all,
        webhooks::list,
        webhooks::create,
        webhooks::delete,
        webhooks::deliveries,
        unknown_instances::list,
        replica_costs::list
    ),
    // The error presets (`ApiErrors`, the dashboard's) refer to the body by
    // name; it is registered here since `IntoResponses` answers do not
    // collect it.
    components(schemas(crate::error::ApiErrorBody, crate::error::ApiErrorDetail)),
    // X-Request-ID and its answers on every write, links for stateful fuzzing.
    modifiers(&EdgeLayers)
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
pub async fn serve() -> HttpResponse {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => HttpResponse::Ok().content_type("application/json").body(json),
        Err(e) => actix_web::ResponseError::error_response(&crate::error::ApiError::internal(e)),
    }
}

/// Tags of the agents' calls (docs/HARDENING.md, "Load shedding").
const AGENT_TAGS: [&str; 2] = ["agent v4", "agent"];

/// Registration, with a budget of its own ([`RouteClass::AgentRegister`]).
const REGISTER: &str = "/api/agents/register";

/// The agents' calls with a budget of their own ([`RouteClass::AgentPriority`]).
const AGENT_PRIORITY: &[&str] = &[
    "/api/agents/{agent_id}/termination-imminent",
    "/api/agents/{agent_id}/termination-notice",
    "/api/agents/{agent_id}/rebalance-recommendation",
    "/api/agents/{agent_id}/rebalance-notice",
    "/api/agents/{agent_id}/create-emergency-replica",
    "/api/agents/{agent_id}/switch-report",
    "/api/agents/{agent_id}/commands/{command_id}/executed",
    "/api/agents/{agent_id}/replicas",
    "/api/agents/{agent_id}/replicas/{replica_id}/status",
    "/api/agents/{agent_id}/replicas/{replica_id}/promote",
];

/// An agent's route when one of its operations carries an agent tag.
fn class_of(path: &str, item: &utoipa::openapi::PathItem) -> RouteClass {
    let ops = [&item.get, &item.post, &item.put, &item.patch, &item.delete];
    let tags = ops.into_iter().flatten().flat_map(|op| op.tags.iter().flatten());
    match tags.into_iter().any(|t| AGENT_TAGS.contains(&t.as_str())) {
        true if path == REGISTER => RouteClass::AgentRegister,
        true if AGENT_PRIORITY.contains(&path) => RouteClass::AgentPriority,
        true => RouteClass::Agent,
        false => RouteClass::Operator,
    }
}

impl RouteLabels {
    /// The gateway's routes: everything in the OpenAPI document, classed by
    /// its tags, and the ops routes.
    pub fn gateway() -> Self {
        let doc = ApiDoc::openapi();
        let documented = doc.paths.paths.iter().map(|(path, item)| (path.as_str(), class_of(path, item)));
        let ops = [
            ("/healthz", RouteClass::Ops),
            ("/readyz", RouteClass::Ops),
            ("/metrics", RouteClass::Ops),
            ("/openapi.json", RouteClass::Operator),
            ("/asyncapi.yaml", RouteClass::Operator),
        ];
        Self::new(documented.chain(ops))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gateway_label_table_has_the_hot_routes() {
        let labels = RouteLabels::gateway();
        for tail in ["heartbeat", "config", "pending-commands", "pricing-report"] {
            let want = format!("/api/agents/{{agent_id}}/{tail}");
            assert_eq!(labels.label(&format!("/api/agents/x/{tail}")), want);
        }
        assert_eq!(labels.label("/metrics"), "/metrics");
    }

    #[test]
    fn agents_calls_are_classed_apart_from_the_operators() {
        use RouteClass::{Agent, AgentPriority, AgentRegister, Operator, Ops};
        let labels = RouteLabels::gateway();
        let cases = [
            ("/api/agents/a/heartbeat", Agent),
            ("/api/agents/a/config", Agent),
            ("/api/agents/a/pending-commands", Agent),
            ("/api/agents/a/pricing-report", Agent),
            ("/api/unknown/route", Agent),
            ("/api/agents/register", AgentRegister),
            ("/api/agents/a/termination-imminent", AgentPriority),
            ("/api/agents/a/termination-notice", AgentPriority),
            ("/api/agents/a/commands/c/executed", AgentPriority),
            ("/api/agents/a/replicas", AgentPriority),
            ("/api/agents/a/issue-switch-command", Operator),
            ("/api/agents/a/settings", Operator),
            ("/api/agents/a", Operator),
            ("/api/admin/tenants", Operator),
            ("/api/events/stream", Operator),
            ("/health", Operator),
            ("/openapi.json", Operator),
            ("/healthz", Ops),
            ("/readyz", Ops),
            ("/metrics", Ops),
        ];
        for (path, class) in cases {
            assert_eq!(labels.class(path), class, "{path}");
        }
    }

    #[test]
    fn every_error_answer_is_documented_with_its_body() {
        let doc = ApiDoc::openapi();
        let heartbeat = doc.paths.paths.get("/api/agents/{agent_id}/heartbeat").and_then(|p| p.post.as_ref());
        let codes: Vec<&str> = heartbeat
            .map(|op| op.responses.responses.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            codes,
            ["200", "400", "401", "403", "404", "409", "413", "414", "422", "429", "431", "503"]
        );
        let schemas = doc.components.map(|c| c.schemas).unwrap_or_default();
        assert!(schemas.contains_key("ApiErrorBody") && schemas.contains_key("ApiErrorDetail"));
    }

    #[test]
    fn every_503_names_the_load_shedding_refusal() {
        let doc = ApiDoc::openapi();
        for (path, item) in &doc.paths.paths {
            let ops = [&item.get, &item.post, &item.put, &item.patch, &item.delete];
            for op in ops.into_iter().flatten() {
                let description = match op.responses.responses.get("503") {
                    Some(utoipa::openapi::RefOr::T(answer)) => answer.description.as_str(),
                    _ => "",
                };
                assert!(description.contains("(overloaded)"), "{path}: 503 {description:?}");
            }
        }
    }
}
