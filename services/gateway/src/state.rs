//! Shared state of the HTTP handlers.

use crate::auth::{TokenCache, TokenHash, hash_token};
use crate::lifecycle_client::LifecycleClient;
use crate::store::agents::AgentDirectory;
use sea_orm::DatabaseConnection;
use spot_platform::bus::Bus;
use spot_platform::{ServiceContext, StartError};

/// Cloned into every worker; everything inside is shared.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub bus: Bus,
    pub lifecycle: LifecycleClient,
    pub tokens: TokenCache,
    pub agents: AgentDirectory,
    pub admin_token_hash: Option<TokenHash>,
}

impl AppState {
    /// Builds the state from a started service context.
    pub fn new(ctx: &ServiceContext) -> Result<Self, StartError> {
        Ok(Self {
            db: ctx.db.clone(),
            bus: ctx.bus.clone(),
            lifecycle: LifecycleClient::new(&ctx.settings.lifecycle_grpc_url).map_err(StartError::Other)?,
            tokens: TokenCache::default(),
            agents: AgentDirectory::default(),
            admin_token_hash: ctx.settings.admin_token.as_ref().map(|t| hash_token(t.expose())),
        })
    }
}
