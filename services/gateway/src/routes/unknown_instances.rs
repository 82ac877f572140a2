//! `GET /api/unknown-instances`: instances a group's PRIMARY agent monitors
//! that the control plane never registered, as lifecycle's inventory
//! reconciliation records them (docs/OPERATORS_API.md, "Unknown
//! instances"). Paged, newest first; lifecycle serves the rows
//! (`ListUnknownInstances`).

use super::read_scope::ReadScope;
use crate::http::{ApiErrors, Reply};
use crate::state::AppState;
use crate::wire::operator::uuid_param;
use crate::wire::paging::PageParams;
use crate::wire::rfc3339_micros;
use actix_web::web;
use spot_contracts::v1;

/// `?group_id=&client_id=`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UnknownInstanceParams {
    /// Only this group (UUID)
    pub group_id: Option<String>,
    /// Admin token only: this tenant's rows (default: every tenant's)
    pub client_id: Option<String>,
}

/// One unknown instance.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UnknownInstanceView {
    pub client_id: String,
    pub group_id: String,
    pub logical_agent_id: String,
    pub instance_id: String,
    /// The PRIMARY agent whose `monitored_instances` named it last
    pub reported_by: String,
    /// When reconciliation first saw it (RFC 3339)
    pub first_seen: Option<String>,
    /// When reconciliation last saw it (RFC 3339)
    pub last_seen: Option<String>,
}

/// A page of unknown instances.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UnknownInstancePage {
    pub items: Vec<UnknownInstanceView>,
    pub next_cursor: Option<String>,
}

impl From<v1::UnknownInstance> for UnknownInstanceView {
    fn from(u: v1::UnknownInstance) -> Self {
        Self {
            first_seen: rfc3339_micros(&u.first_seen),
            last_seen: rfc3339_micros(&u.last_seen),
            client_id: u.client_id,
            group_id: u.group_id,
            logical_agent_id: u.logical_agent_id,
            instance_id: u.instance_id,
            reported_by: u.reported_by,
        }
    }
}

/// `GET /api/unknown-instances?group_id=&limit=&cursor=`.
#[utoipa::path(get, path = "/api/unknown-instances", tag = "operator",
    summary = "Instances agents monitor that the control plane never registered (inventory reconciliation), paged",
    params(UnknownInstanceParams, PageParams), responses((status = 200, body = UnknownInstancePage), ApiErrors))]
pub async fn list(
    state: web::Data<AppState>,
    params: web::Query<UnknownInstanceParams>,
    page: web::Query<PageParams>,
    scope: ReadScope,
) -> Reply<UnknownInstancePage> {
    let (limit, after) = page.for_request()?;
    let answer = state
        .lifecycle
        .unknown_instances(v1::UnknownInstancesRequest {
            client_id: scope.client_id(),
            group_id: uuid_param(params.group_id.as_deref(), "group_id")?,
            limit,
            after,
        })
        .await?;
    Ok(web::Json(UnknownInstancePage {
        items: answer.items.into_iter().map(UnknownInstanceView::from).collect(),
        next_cursor: answer.next_cursor,
    }))
}
