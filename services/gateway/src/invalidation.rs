//! Listens for lifecycle's change events and drops cached answers.

use crate::state::AppState;
use futures::StreamExt;
use spot_domain::AgentId;
use spot_platform::Shutdown;
use std::sync::atomic::Ordering;

/// Subscribes to `spot.v1.lifecycle.>` on core NATS until shutdown.
pub async fn run(state: AppState, shutdown: Shutdown) {
    let mut subscription = match state.bus.client().subscribe("spot.v1.lifecycle.>").await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot subscribe to lifecycle events; caches rely on their TTL");
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
                    tracing::info!("NATS reconnected: agent caches cleared");
                }
                continue;
            }
            m = subscription.next() => m,
        };
        let Some(message) = message else { break };
        apply(&state, message.subject.as_str());
    }
}

/// `spot.v1.lifecycle.<event>.<client>.<agent>` -> invalidate.
pub fn apply(state: &AppState, subject: &str) {
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
