//! Shared state of the HTTP handlers.

use crate::auth::{TokenCache, TokenHash, hash_token};
use crate::cache::AgentCache;
use crate::lifecycle_client::LifecycleClient;
use crate::settings::GatewaySettings;
use crate::store::agents::AgentDirectory;
use sea_orm::DatabaseConnection;
use spot_platform::bus::Bus;
use spot_platform::{ServiceContext, StartError};
use std::sync::Arc;
use std::time::Duration;

/// Longest an answer is served without an invalidation reaching us. Lifecycle
/// events invalidate entries at once and a NATS reconnect clears the caches;
/// the TTL is the last resort. Every expiry costs a lifecycle lookup per
/// agent (at 100k agents a 10 min TTL meant 0.18 lookups per poll), so it is
/// far longer than the agents' poll intervals.
pub const CACHE_TTL: Duration = Duration::from_secs(6 * 3600);

fn cached_agents(registry: &prometheus::Registry) -> Result<prometheus::IntGaugeVec, StartError> {
    let gauge = prometheus::IntGaugeVec::new(
        prometheus::Opts::new(
            "gateway_cached_agents",
            "agents with a cached entry, by cache, after each sweep",
        ),
        &["kind"],
    )
    .map_err(|e| StartError::Other(e.to_string()))?;
    registry.register(Box::new(gauge.clone())).map_err(|e| StartError::Other(e.to_string()))?;
    Ok(gauge)
}

fn cache_lookups(registry: &prometheus::Registry) -> Result<prometheus::IntCounterVec, StartError> {
    let counter = prometheus::IntCounterVec::new(
        prometheus::Opts::new("gateway_cache_lookups_total", "agent poll answers by cache outcome"),
        &["kind", "outcome"],
    )
    .map_err(|e| StartError::Other(e.to_string()))?;
    registry.register(Box::new(counter.clone())).map_err(|e| StartError::Other(e.to_string()))?;
    Ok(counter)
}

/// The hub, its ids above this process's start time (see live/buffer.rs).
fn live_hub(ctx: &ServiceContext, own: &GatewaySettings) -> Result<crate::live::Hub, StartError> {
    let metrics = crate::live::hub::HubMetrics::register(&ctx.metrics.registry).map_err(StartError::other)?;
    let start_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0));
    let base = crate::live::buffer::ReplayBuffer::base_for(start_ms);
    Ok(crate::live::Hub::new(own.sse, base, Some(metrics)))
}

/// Cloned into every worker; everything inside is shared.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub bus: Bus,
    pub lifecycle: LifecycleClient,
    pub pricing: crate::pricing_client::PricingClient,
    pub emergency: crate::emergency_client::EmergencyClient,
    pub decisions: crate::decisions_client::DecisionsClient,
    pub tokens: TokenCache,
    pub agents: AgentDirectory,
    /// Group commit of registrations' agent rows.
    pub registrations: crate::store::agents::Registrations,
    pub admin_token_hash: Option<TokenHash>,
    /// Cached GET /config answers.
    pub config_cache: Arc<AgentCache<bool>>,
    /// Cached GET /pending-commands answers.
    pub commands_cache: Arc<AgentCache<Arc<Vec<spot_contracts::v1::CommandRecord>>>>,
    /// Cache hits and misses by kind, to show polling stays off the database.
    pub cache_lookups: prometheus::IntCounterVec,
    /// Cache sizes after each sweep (`crate::sweep`).
    pub cached_agents: prometheus::IntGaugeVec,
    /// The live-update fan-out (`GET /api/events/stream`).
    pub live: Arc<crate::live::Hub>,
    /// Wakes the webhook worker after notifications were committed.
    pub webhook_wake: Arc<tokio::sync::Notify>,
    /// Ends live streams when the gateway stops.
    pub shutdown: spot_platform::Shutdown,
    /// Per-tenant and per-agent request rates (docs/HARDENING.md).
    pub rates: crate::http::rate::RateLimits,
}

impl AppState {
    /// Builds the state from a started service context and the gateway's settings.
    pub fn new(ctx: &ServiceContext, own: &GatewaySettings) -> Result<Self, StartError> {
        let rates = crate::http::rate::RateLimits::new(&own.limits);
        Ok(Self {
            db: ctx.db.clone(),
            bus: ctx.bus.clone(),
            lifecycle: LifecycleClient::new(&own.lifecycle_grpc_url).map_err(StartError::Other)?,
            pricing: crate::pricing_client::PricingClient::new(&own.pricing_grpc_url)
                .map_err(StartError::Other)?,
            emergency: crate::emergency_client::EmergencyClient::new(&own.emergency_grpc_url)
                .map_err(StartError::Other)?,
            decisions: crate::decisions_client::DecisionsClient::new(&own.decisions_grpc_url)
                .map_err(StartError::Other)?,
            tokens: TokenCache::with_rates(rates.clone()),
            agents: AgentDirectory::default(),
            registrations: crate::store::agents::Registrations::spawn(ctx.db.clone()),
            admin_token_hash: own.admin_token.as_ref().map(|t| hash_token(t.expose())),
            config_cache: Arc::new(AgentCache::new(CACHE_TTL)),
            commands_cache: Arc::new(AgentCache::new(CACHE_TTL)),
            cache_lookups: cache_lookups(&ctx.metrics.registry)?,
            cached_agents: cached_agents(&ctx.metrics.registry)?,
            live: Arc::new(live_hub(ctx, own)?),
            webhook_wake: Arc::new(tokio::sync::Notify::new()),
            shutdown: ctx.shutdown.clone(),
            rates,
        })
    }
}
