//! Listens for change events and drops cached answers: lifecycle's agent
//! config and command changes, and the gateways' own announcements that a
//! tenant's tokens or status changed (revoked token, suspended or deleted
//! tenant), so every gateway replica refuses it at once
//! (docs/OPERATORS_API.md, "Revocation").

use crate::state::AppState;
use futures::StreamExt;
use spot_domain::{AgentId, ClientId};
use spot_platform::Shutdown;
use std::sync::atomic::Ordering;

/// Subject prefix of the gateways' auth announcements (core NATS, no payload).
pub const AUTH_CHANGED: &str = "spot.v1.gateway.auth_changed";

/// Subject prefix of agent deletions (core NATS, no payload): `.<agent id>`.
pub const AGENT_DELETED: &str = "spot.v1.gateway.agent_deleted";

/// Drops a deleted agent from this gateway's caches and tells every other
/// replica to do the same (after the database change is committed).
pub async fn announce_agent_deleted(state: &AppState, agent: AgentId) {
    forget_agent(state, agent);
    publish(state, format!("{AGENT_DELETED}.{agent}")).await;
}

fn forget_agent(state: &AppState, agent: AgentId) {
    state.agents.forget(agent);
    state.config_cache.invalidate(agent);
    state.commands_cache.invalidate(agent);
}

async fn publish(state: &AppState, subject: String) {
    let client = state.bus.client();
    let sent = match client.publish(subject.clone(), bytes::Bytes::new()).await {
        Ok(()) => client.flush().await.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = sent {
        tracing::warn!(error = %e, subject, "change not announced; other gateways rely on TTLs and reconnects");
    }
}

/// Drops this gateway's cached tokens of the tenant and tells every other
/// replica to do the same. The database change is committed before: a lost
/// announcement (bus down) is bounded by the reconnect clear and the token TTL.
pub async fn announce_auth_change(state: &AppState, tenant: ClientId) {
    state.tokens.forget_tenant(tenant);
    publish(state, format!("{AUTH_CHANGED}.{tenant}")).await;
}

/// Subscribes to `spot.v1.lifecycle.>` and the auth announcements on core
/// NATS until shutdown.
pub async fn run(state: AppState, shutdown: Shutdown) {
    let client = state.bus.client();
    let subscribed = async {
        let lifecycle = client.subscribe("spot.v1.lifecycle.>").await?;
        let auth = client.subscribe(format!("{AUTH_CHANGED}.*")).await?;
        let deleted = client.subscribe(format!("{AGENT_DELETED}.*")).await?;
        let gateway = futures::stream::select(auth, deleted);
        Ok::<_, async_nats::SubscribeError>(futures::stream::select(lifecycle, gateway))
    };
    let mut subscription = match subscribed.await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot subscribe to change events; caches rely on their TTL");
            return;
        }
    };
    // Core NATS drops what is published while we are disconnected, so after
    // every reconnect the caches start empty instead of trusting entries an
    // invalidation may have missed.
    let stats = state.bus.client().statistics();
    let mut connects = stats.connects.load(Ordering::Relaxed);
    let mut check = tokio::time::interval(std::time::Duration::from_millis(250));
    loop {
        let message = tokio::select! {
            _ = shutdown.wait() => break,
            _ = check.tick() => {
                let now = stats.connects.load(Ordering::Relaxed);
                if now != connects {
                    connects = now;
                    state.config_cache.clear();
                    state.commands_cache.clear();
                    state.tokens.clear();
                    tracing::info!("NATS reconnected: agent and token caches cleared");
                }
                continue;
            }
            m = subscription.next() => m,
        };
        let Some(message) = message else { break };
        apply(&state, message.subject.as_str());
    }
}

/// `spot.v1.lifecycle.<event>.<client>.<agent>` or
/// `spot.v1.gateway.auth_changed.<client>` -> invalidate.
pub fn apply(state: &AppState, subject: &str) {
    if let Some(tenant) = subject.strip_prefix(AUTH_CHANGED).and_then(|s| s.strip_prefix('.')) {
        if let Ok(tenant) = ClientId::parse(tenant) {
            state.tokens.forget_tenant(tenant);
        }
        return;
    }
    if let Some(agent) = subject.strip_prefix(AGENT_DELETED).and_then(|s| s.strip_prefix('.')) {
        if let Ok(agent) = AgentId::parse(agent) {
            forget_agent(state, agent);
        }
        return;
    }
    let mut parts = subject.split('.').skip(3);
    let (Some(event), Some(_client), Some(agent)) = (parts.next(), parts.next(), parts.next()) else {
        return;
    };
    let Ok(agent) = AgentId::parse(agent) else { return };
    match event {
        "agent_config_changed" => state.config_cache.invalidate(agent),
        "agent_commands_changed" => state.commands_cache.invalidate(agent),
        _ => {}
    }
}
