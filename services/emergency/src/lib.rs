//! Emergency service: will own rebalance and termination notices, emergency replicas and their deadlines, automatic promotion and the fallback chain, pool boot-time statistics, in the `emergency` schema.
//!
//! Today it runs the platform base every service has: its own schema with
//! outbox and inbox (migrated at start), the outbox relay, `/healthz`,
//! `/readyz` and `/metrics` on `SPOT_EMERGENCY_HTTP_ADDR`. Its domain
//! logic arrives with its own issue; it must not read another service's tables.

use spot_platform::store::Migration;
use spot_platform::{RunningService, ServiceContext, Settings, Shutdown, StartError};

/// Service name.
pub const NAME: &str = "emergency";
/// Postgres schema this service owns.
pub const SCHEMA: &str = "emergency";
/// This service's own migrations (the platform's outbox/inbox come first).
pub const MIGRATIONS: &[Migration] = &[];

/// Starts the service; returns once it is serving.
pub async fn start(settings: &Settings, shutdown: Shutdown) -> Result<RunningService, StartError> {
    let ctx = ServiceContext::start(NAME, SCHEMA, MIGRATIONS, settings, shutdown).await?;
    let running = ctx.run_base(settings.emergency_http_addr)?;
    tracing::info!(http = %running.http_addr, "emergency serving");
    Ok(running)
}
