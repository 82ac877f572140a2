//! Daily savings per tenant, recomputable for any past day.

use crate::store::savings;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use spot_domain::pricing::daily_savings;
use std::time::Duration;

/// Recomputes `day` (UTC) for every tenant with usage that day.
pub async fn run_day(
    db: &DatabaseConnection,
    day: NaiveDate,
    report_interval: Duration,
) -> Result<usize, DbErr> {
    let start: DateTime<Utc> = day.and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_default();
    let tenants = savings::tenants_on(db, start).await?;
    for client in &tenants {
        let usage = savings::primary_usage(db, *client, start, report_interval).await?;
        let switches = savings::switches_on(db, *client, start).await?;
        let result = daily_savings(start, &usage, switches);
        savings::save_day(db, *client, day, &result).await?;
    }
    savings::save_replica_costs(db, start, report_interval).await?;
    Ok(tenants.len())
}
