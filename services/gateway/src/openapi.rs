//! The OpenAPI document of the agent and operator API, generated from the
//! handlers' `#[utoipa::path]` annotations and the wire types, served at
//! `GET /openapi.json`. A test checks that every registered route is in it.
//! The document depends on the routes, never the other way round; the
//! metrics' route labels are built from it here.

use crate::http::documented::EdgeLayers;
use crate::routes::labels::RouteLabels;
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
        crate::routes::client::health,
        crate::routes::client::validate,
        crate::routes::admin::create_client,
        crate::routes::tenants::list,
        crate::routes::tenants::get,
        crate::routes::tenants::suspend,
        crate::routes::tenants::resume,
        crate::routes::tenants::delete,
        crate::routes::tenants::list_tokens,
        crate::routes::tenants::create_token,
        crate::routes::tenants::regenerate_token,
        crate::routes::tenants::revoke_token,
        crate::routes::tenants::delete_token,
        crate::routes::analytics::tenant_stats,
        crate::routes::analytics::downtime,
        crate::routes::analytics::switches_per_day,
        crate::routes::analytics::savings_per_day,
        crate::routes::analytics::operational,
        crate::routes::analytics::admin_operational,
        crate::routes::analytics::client_downtime,
        crate::routes::audit::audit,
        crate::routes::agent_admin::enable,
        crate::routes::agent_admin::disable,
        crate::routes::agent_admin::delete,
        crate::routes::audit::cleanup_logs,
        crate::routes::audit::health,
        crate::routes::audit::history,
        crate::routes::audit::switches,
        crate::routes::audit::emergency_events,
        crate::routes::audit::admin_emergency_events,
        crate::routes::agents::register,
        crate::routes::agents::heartbeat,
        crate::routes::polling::config,
        crate::routes::polling::pending_commands,
        crate::routes::polling::executed,
        crate::routes::switching::switch_report,
        crate::routes::client_dashboard::switch::issue,
        crate::routes::client_dashboard::replicas::create,
        crate::routes::replicas::list,
        crate::routes::replicas::status,
        crate::routes::replicas::promote,
        crate::routes::replicas::config,
        crate::routes::reports::pricing,
        crate::routes::reports::cleanup,
        crate::routes::settings::get,
        crate::routes::settings::update,
        crate::routes::listing::list,
        crate::routes::pricing::history,
        crate::routes::pricing::risk,
        crate::routes::pricing::savings,
        crate::routes::pricing::jobs,
        crate::routes::pricing::consolidate,
        crate::routes::export::training,
        crate::routes::emergency::termination_imminent,
        crate::routes::emergency::create_emergency_replica,
        crate::routes::emergency::rebalance_recommendation,
        crate::routes::emergency::termination_notice,
        crate::routes::emergency::rebalance_notice,
        crate::routes::emergency::emergency_status,
        crate::routes::emergency::get_policy,
        crate::routes::emergency::set_policy,
        crate::routes::client_dashboard::overview::stats,
        crate::routes::client_dashboard::overview::savings,
        crate::routes::client_dashboard::agents::list,
        crate::routes::client_dashboard::agents::get,
        crate::routes::client_dashboard::agents::toggle,
        crate::routes::client_dashboard::agents::settings,
        crate::routes::client_dashboard::instances::list,
        crate::routes::client_dashboard::instances::pricing,
        crate::routes::client_dashboard::switches::list,
        crate::routes::client_dashboard::replicas::list,
        crate::routes::client_dashboard::replicas::delete,
        crate::routes::decisions::list,
        crate::routes::decisions::summary,
        crate::routes::decisions::rejected,
        crate::routes::decisions::models,
        crate::routes::decisions::register,
        crate::routes::decisions::upload_onnx,
        crate::routes::decisions::activate,
        crate::routes::decisions::delete,
        crate::routes::events::stream,
        crate::routes::notifications::list,
        crate::routes::notifications::unread_count,
        crate::routes::notifications::read,
        crate::routes::notifications::read_all,
        crate::routes::webhooks::list,
        crate::routes::webhooks::create,
        crate::routes::webhooks::delete,
        crate::routes::webhooks::deliveries,
        crate::routes::unknown_instances::list,
        crate::routes::replica_costs::list
    ),
    // The error preset (`ApiErrors`) refers to the body; it is registered
    // here since responses derived with `IntoResponses` do not collect it.
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

impl RouteLabels {
    /// The gateway's routes: everything in the OpenAPI document and the ops routes.
    pub fn gateway() -> Self {
        let doc = ApiDoc::openapi();
        let ops = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/asyncapi.yaml"];
        Self::new(doc.paths.paths.keys().map(String::as_str).chain(ops))
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
}
