//! Whose rows a fleet-wide read covers (docs/OPERATORS_API.md, "Unknown
//! instances" and "Replica cost"): a tenant token, its own; the admin token,
//! every tenant, or the one `?client_id=` names. Each row carries its
//! `client_id`, so the admin's view says whose it is.

use crate::error::ApiError;
use crate::http::ClientScope;
use crate::state::AppState;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures::future::LocalBoxFuture;
use spot_domain::ClientId;

/// `None`: every tenant (the admin token without `client_id`).
#[derive(Debug, Clone, Copy)]
pub struct ReadScope(pub Option<ClientId>);

impl ReadScope {
    /// The tenant as the services' requests take it (empty: every tenant).
    pub fn client_id(&self) -> String {
        self.0.map(|c| c.to_string()).unwrap_or_default()
    }
}

#[derive(serde::Deserialize)]
struct ClientIdParam {
    client_id: Option<String>,
}

async fn resolve(req: HttpRequest) -> Result<ReadScope, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal("gateway state is not registered"))?;
    let admin = crate::auth::require_admin(&req, state.admin_token_hash.as_ref()).is_ok();
    let names_tenant = web::Query::<ClientIdParam>::from_query(req.query_string())
        .map(|q| q.client_id.is_some())
        // A query string that does not parse is ClientScope's to refuse.
        .unwrap_or(true);
    if admin && !names_tenant {
        return Ok(ReadScope(None));
    }
    let ClientScope(client) = ClientScope::extract(&req).await?;
    Ok(ReadScope(Some(client)))
}

impl FromRequest for ReadScope {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(resolve(req.clone()))
    }
}
