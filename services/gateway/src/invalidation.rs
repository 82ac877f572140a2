//! Listens for lifecycle's change events and drops cached answers.

use crate::state::AppState;
use futures::StreamExt;
use spot_domain::AgentId;
use spot_platform::Shutdown;

/// Subscribes to `spot.v1.lifecycle.>` on core NATS until shutdown.
pub async fn run(state: AppState, shutdown: Shutdown) {
    let mut subscription = match state.bus.client().subscribe("spot.v1.lifecycle.>").await {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "cannot subscribe to lifecycle events; caches rely on their TTL");
            return;
        }
    };
    loop {
        let message = tokio::select! {
            _ = shutdown.wait() => break,
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
