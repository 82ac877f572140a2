//! Forgets agents this gateway has not heard from for a while: their cached
//! config and commands and their tenant. A v4 agent registers anew, with a
//! new agent id, at every start (docs/ARCHITECTURE.md, "Synchronous calls
//! and the caches"), so without this every restart of every agent would
//! leave entries behind until the gateway restarts. An agent that comes
//! back after a long silence is read again from the source on its next call.

use crate::state::AppState;
use spot_platform::Shutdown;
use std::time::Duration;

/// Entries unread this long are dropped. A live v4 agent polls every 15 s
/// and heartbeats every 30 s; this is also far longer than any fill can
/// take, which the cache's generations rely on (`AgentCache::sweep`).
pub const IDLE: Duration = Duration::from_secs(15 * 60);
/// How often the sweep runs.
pub const EVERY: Duration = Duration::from_secs(60);

/// Sweeps every [`EVERY`] until shutdown and reports the sizes.
pub async fn run(state: AppState, shutdown: Shutdown) {
    loop {
        tokio::select! {
            _ = shutdown.wait() => break,
            () = tokio::time::sleep(EVERY) => sweep(&state),
        }
    }
}

fn sweep(state: &AppState) {
    state.config_cache.sweep(IDLE);
    state.commands_cache.sweep(IDLE);
    state.agents.sweep(IDLE);
    let sizes = [
        ("config", state.config_cache.len()),
        ("pending_commands", state.commands_cache.len()),
        ("owners", state.agents.len()),
    ];
    for (kind, n) in sizes {
        state.cached_agents.with_label_values(&[kind]).set(n as i64);
    }
}
