//! `spotctl migrate`: applies (or reverts) every service's migrations.

use spot_platform::Settings;
use spot_platform::store::{Migration, Migrator, connect};
use std::time::Duration;

/// Every service's schema and migrations, in start order.
pub fn all() -> [(&'static str, &'static [Migration]); 5] {
    [
        (spot_gateway::SCHEMA, spot_gateway::MIGRATIONS),
        (spot_lifecycle::SCHEMA, spot_lifecycle::MIGRATIONS),
        (spot_emergency::SCHEMA, spot_emergency::MIGRATIONS),
        (spot_pricing::SCHEMA, spot_pricing::MIGRATIONS),
        (spot_decisions::SCHEMA, spot_decisions::MIGRATIONS),
    ]
}

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Apply pending migrations.
    Up,
    /// Revert down to this version (-1: everything).
    DownTo(i64),
}

/// Runs the migrations of `only` (or every service) and reports per schema.
pub async fn run(
    settings: &Settings,
    only: Option<&str>,
    direction: Direction,
) -> anyhow::Result<Vec<(String, usize)>> {
    let db = connect(settings, Duration::from_secs(10)).await?;
    let mut report = Vec::new();
    for (schema, migrations) in all() {
        if only.is_some_and(|o| o != schema) {
            continue;
        }
        let migrator = Migrator::new(schema, migrations)?;
        let count = match direction {
            Direction::Up => migrator.up(&db).await?,
            Direction::DownTo(v) => migrator.down_to(&db, v).await?,
        };
        report.push((schema.to_owned(), count));
    }
    if let Some(name) = only
        && report.is_empty()
    {
        anyhow::bail!("unknown service {name:?}; known: gateway, lifecycle, emergency, pricing, decisions");
    }
    Ok(report)
}
