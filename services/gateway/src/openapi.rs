//! The OpenAPI document of the agent and operator API, generated from the
//! handlers' `#[utoipa::path]` annotations and the wire types, served at
//! `GET /openapi.json`. A test checks that every registered route is in it.

use actix_web::HttpResponse;
use utoipa::OpenApi;

/// Error body of every non-2xx answer (documentation twin of the platform's).
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ApiErrorBody {
    pub error: ApiErrorDetail,
}

/// Stable machine code plus a message.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ApiErrorDetail {
    pub code: String,
    pub message: String,
}

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
        crate::routes::agents::register,
        crate::routes::agents::heartbeat,
        crate::routes::polling::config,
        crate::routes::polling::pending_commands,
        crate::routes::polling::executed,
        crate::routes::switching::switch_report,
        crate::routes::switching::issue_switch_command,
        crate::routes::replicas::create,
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
        crate::routes::emergency::termination_imminent,
        crate::routes::emergency::create_emergency_replica,
        crate::routes::emergency::rebalance_recommendation,
        crate::routes::emergency::termination_notice,
        crate::routes::emergency::rebalance_notice,
        crate::routes::emergency::emergency_status,
        crate::routes::emergency::get_policy,
        crate::routes::emergency::set_policy,
        crate::routes::decisions::list,
        crate::routes::decisions::summary,
        crate::routes::decisions::rejected,
        crate::routes::decisions::models,
        crate::routes::decisions::register,
        crate::routes::decisions::upload_onnx,
        crate::routes::decisions::activate,
        crate::routes::decisions::delete
    )
)]
pub struct ApiDoc;

/// `GET /openapi.json`.
pub async fn serve() -> HttpResponse {
    match ApiDoc::openapi().to_pretty_json() {
        Ok(json) => HttpResponse::Ok().content_type("application/json").body(json),
        Err(e) => actix_web::ResponseError::error_response(&crate::error::ApiError::internal(e)),
    }
}
