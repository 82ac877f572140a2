//! Who may call: one extractor per kind of caller, so a handler names the
//! caller it accepts as an argument and never repeats the checks.
//!
//! - [`Tenant`]: a tenant's bearer token.
//! - [`AgentCaller`]: a tenant's token and the `{agent_id}` of the path,
//!   which must be that tenant's agent (another tenant's agent looks unknown).
//! - [`Operator`]: like `AgentCaller`, or the admin token acting for the
//!   agent's owner; carries the audit actor.
//! - [`Admin`]: the admin token. [`Reader`]: any tenant token or the admin
//!   token. [`ClientScope`]: the tenant of the token, or with the admin token
//!   the `client_id` of the query string.
//!
//! The checks run in the order they always did: token (401), agent id in the
//! path (400), ownership (404); then the rates (429, `super::rate`): the
//! tenant's when its token resolves, the agent's once it is known to be the
//! caller's.

use crate::auth::{Tenant, require_admin};
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::agents as agent_map;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures::future::{LocalBoxFuture, Ready, ready};
use spot_contracts::v1;
use spot_domain::{AgentId, ClientId};
use uuid::Uuid;

fn state(req: &HttpRequest) -> Result<&AppState, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .map(|d| d.get_ref())
        .ok_or_else(|| ApiError::internal("gateway state is not registered"))
}

fn is_admin(req: &HttpRequest, state: &AppState) -> bool {
    require_admin(req, state.admin_token_hash.as_ref()).is_ok()
}

/// Parses the `{agent_id}` path segment.
pub(crate) fn path_agent(req: &HttpRequest) -> Result<AgentId, ApiError> {
    let raw = req.match_info().get("agent_id").unwrap_or_default();
    AgentId::parse(raw).map_err(|_| ApiError::InvalidField("agent_id in the path is not a valid UUID".into()))
}

/// The `{client_id}` of the path if it is the caller's own tenant; `None`
/// for any other client id, which the caller answers as not found (never
/// forbidden).
pub(crate) async fn own_client_id(req: &HttpRequest) -> Result<Option<ClientId>, ApiError> {
    let tenant = tenant(req).await?;
    let raw = req.match_info().get("client_id").unwrap_or_default();
    Ok(ClientId::parse(raw.trim()).ok().filter(|id| *id == tenant.id))
}

/// Implements `FromRequest` with an async resolver taking the request.
macro_rules! extract_with {
    ($ty:ty, $resolve:path) => {
        impl FromRequest for $ty {
            type Error = ApiError;
            type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

            fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move { $resolve(&req).await })
            }
        }
    };
}

async fn tenant(req: &HttpRequest) -> Result<Tenant, ApiError> {
    let state = state(req)?;
    state.tokens.tenant(&state.db, req).await
}
extract_with!(Tenant, tenant);

/// A tenant's agent, named by the `{agent_id}` of the path.
#[derive(Debug, Clone)]
pub struct AgentCaller {
    pub client: ClientId,
    pub agent: AgentId,
    /// `X-Request-ID` of the request (empty when absent).
    pub request_id: String,
    /// Audit actor: `token:<token id>`.
    pub actor: String,
}

impl AgentCaller {
    /// Authenticates the request and checks the path's agent is the tenant's.
    pub async fn resolve(req: &HttpRequest) -> Result<Self, ApiError> {
        let state = state(req)?;
        let tenant = state.tokens.tenant(&state.db, req).await?;
        let agent = path_agent(req)?;
        if !state.agents.belongs_to(&state.db, agent, tenant.id).await? {
            return Err(ApiError::AgentNotFound);
        }
        state.rates.agent(agent.as_uuid())?;
        Ok(Self { client: tenant.id, agent, request_id: super::request_id(req), actor: tenant.actor() })
    }

    /// The agent reference lifecycle and emergency calls take.
    pub fn agent_ref(&self) -> v1::AgentRef {
        agent_ref(self.client, self.agent)
    }

    /// Metadata of an event the gateway publishes on behalf of the agent.
    pub fn event_meta(&self) -> v1::EventMeta {
        v1::EventMeta {
            event_id: Uuid::now_v7().to_string(),
            occurred_at: Some(spot_contracts::Timestamp::from(std::time::SystemTime::now())),
            client_id: self.client.to_string(),
            agent_id: self.agent.to_string(),
            producer: crate::NAME.to_owned(),
            request_id: self.request_id.clone(),
        }
    }
}
extract_with!(AgentCaller, AgentCaller::resolve);

/// The agent reference lifecycle and emergency calls take.
pub fn agent_ref(client: ClientId, agent: AgentId) -> v1::AgentRef {
    v1::AgentRef { client_id: client.to_string(), agent_id: agent.to_string() }
}

/// An operator acting on the path's agent: the tenant's own token, or the
/// admin token (then the agent's owner is the tenant).
#[derive(Debug, Clone)]
pub struct Operator {
    pub client: ClientId,
    pub agent: AgentId,
    /// Audit actor: `admin`, or `token:<token id>` (never characters of
    /// the secret).
    pub actor: String,
    pub request_id: String,
}

impl Operator {
    /// Authenticates an operator for the path's agent.
    pub async fn resolve(req: &HttpRequest) -> Result<Self, ApiError> {
        let state = state(req)?;
        let request_id = super::request_id(req);
        if is_admin(req, state) {
            let agent = path_agent(req)?;
            let owner = agent_map::owner(&state.db, agent).await?.ok_or(ApiError::AgentNotFound)?;
            state.rates.agent(agent.as_uuid())?;
            return Ok(Self { client: owner, agent, actor: "admin".to_owned(), request_id });
        }
        let caller = AgentCaller::resolve(req).await?;
        Ok(Self { client: caller.client, agent: caller.agent, actor: caller.actor, request_id })
    }

    /// The agent reference lifecycle and emergency calls take.
    pub fn agent_ref(&self) -> v1::AgentRef {
        agent_ref(self.client, self.agent)
    }
}
extract_with!(Operator, Operator::resolve);

/// The admin token.
#[derive(Debug, Clone, Copy)]
pub struct Admin;

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(state(req).and_then(|s| require_admin(req, s.admin_token_hash.as_ref())).map(|()| Admin))
    }
}

/// Any tenant token or the admin token: prices and risk are not tenant data.
#[derive(Debug, Clone, Copy)]
pub struct Reader;

async fn reader(req: &HttpRequest) -> Result<Reader, ApiError> {
    let state = state(req)?;
    if !is_admin(req, state) {
        state.tokens.tenant(&state.db, req).await?;
    }
    Ok(Reader)
}
extract_with!(Reader, reader);

/// Whose data a listing shows: the token's tenant, or with the admin token
/// the `client_id` of the query string (then required).
#[derive(Debug, Clone, Copy)]
pub struct ClientScope(pub ClientId);

#[derive(serde::Deserialize)]
struct ClientIdParam {
    client_id: Option<String>,
}

async fn client_scope(req: &HttpRequest) -> Result<ClientScope, ApiError> {
    let state = state(req)?;
    if !is_admin(req, state) {
        return Ok(ClientScope(state.tokens.tenant(&state.db, req).await?.id));
    }
    let param = web::Query::<ClientIdParam>::from_query(req.query_string())
        .map_err(|e| ApiError::InvalidField(format!("query string: {e}")))?;
    let raw = param
        .client_id
        .as_deref()
        .ok_or_else(|| ApiError::InvalidField("client_id is required for the admin token".into()))?;
    ClientId::parse(raw).map(ClientScope).map_err(|e| ApiError::InvalidField(e.to_string()))
}
extract_with!(ClientScope, client_scope);
