//! Decisions service: will own the model registry, versions and A/B splits, the decision log and the automatic switch loop, in the `decisions` schema.
//!
//! Today it runs the platform base every service has: its own schema with
//! outbox and inbox (migrated at start), the outbox relay, `/healthz`,
//! `/readyz` and `/metrics` on `SPOT_DECISIONS_HTTP_ADDR`. Its domain
//! logic arrives with its own issue; it must not read another service's tables.

pub mod settings;

use settings::DecisionsSettings;
use spot_platform::store::Migration;
use spot_platform::{RunningService, ServiceContext, Settings, Shutdown, StartError};

/// Service name.
pub const NAME: &str = "decisions";
/// Postgres schema this service owns.
pub const SCHEMA: &str = "decisions";
/// This service's own migrations (the platform's outbox/inbox come first).
pub const MIGRATIONS: &[Migration] = &[];

/// Starts the service; returns once it is serving.
pub async fn start(settings: &Settings, shutdown: Shutdown) -> Result<RunningService, StartError> {
    let own = DecisionsSettings::load(settings)?;
    let mut svc = ServiceContext::start(NAME, SCHEMA, MIGRATIONS, settings, shutdown).await?;
    svc.serve_ops(own.http_addr)?;
    svc.into_running()
}
