//! Pricing service: will own price staging, 12-hour consolidation (dedup, interpolation, backfill), the canonical data set, pool risk and savings, in the `pricing` schema.
//!
//! Today it runs the platform base every service has: its own schema with
//! outbox and inbox (migrated at start), the outbox relay, `/healthz`,
//! `/readyz` and `/metrics` on `SPOT_PRICING_HTTP_ADDR`. Its domain
//! logic arrives with its own issue; it must not read another service's tables.

use spot_platform::store::Migration;
use spot_platform::{RunningService, ServiceContext, Settings, Shutdown, StartError};

/// Service name.
pub const NAME: &str = "pricing";
/// Postgres schema this service owns.
pub const SCHEMA: &str = "pricing";
/// This service's own migrations (the platform's outbox/inbox come first).
pub const MIGRATIONS: &[Migration] = &[];

/// Starts the service; returns once it is serving.
pub async fn start(settings: &Settings, shutdown: Shutdown) -> Result<RunningService, StartError> {
    let ctx = ServiceContext::start(NAME, SCHEMA, MIGRATIONS, settings, shutdown).await?;
    let running = ctx.run_base(settings.pricing_http_addr)?;
    tracing::info!(http = %running.http_addr, "pricing serving");
    Ok(running)
}
