//! Operator listings for a tenant: groups, agents, instances, replicas,
//! commands and switch history, paginated with a keyset cursor.
//!
//! `GET /api/{kind}?limit=50&after=<cursor>&group_id=&agent_id=&role=&status=`
//! with the tenant's token, or with the admin token and `client_id=`.

use super::audit::ReportPage;
use crate::http::{ApiErrors, ClientScope, Reply};
use crate::state::AppState;
use actix_web::web;
use spot_contracts::v1;

/// Query parameters.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// 1..500, default 50
    pub limit: Option<i32>,
    /// cursor from next_cursor
    pub after: Option<String>,
    pub group_id: Option<String>,
    pub agent_id: Option<String>,
    pub role: Option<String>,
    pub status: Option<String>,
    /// admin token only
    pub client_id: Option<String>,
}

/// `GET /api/{kind}`.
#[utoipa::path(
    get,
    path = "/api/{kind}",
    tag = "operator",
    summary = "Paginated listing: groups, agents, instances, replicas, commands, switches",
    params(("kind" = String, Path, description = "groups | agents | instances | replicas | commands | switches"), ListParams),
    responses((status = 200, body = serde_json::Value), ApiErrors)
)]
pub async fn list(
    state: web::Data<AppState>,
    kind: web::Path<String>,
    params: web::Query<ListParams>,
    ClientScope(client): ClientScope,
) -> Reply<ReportPage> {
    let p = params.into_inner();
    let page = state
        .lifecycle
        .list_records(v1::ListRecordsRequest {
            client_id: client.to_string(),
            kind: kind.into_inner(),
            limit: p.limit.unwrap_or(50),
            after: p.after,
            group_id: p.group_id,
            agent_id: p.agent_id,
            role: p.role,
            status: p.status,
        })
        .await?;
    Ok(web::Json(ReportPage::of(&page.items_json, page.next_cursor)))
}
