//! Savings: usage intervals of a tenant's day, daily snapshots, hourly
//! replica cost.

use super::sql;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use spot_domain::InstanceMode;
use spot_domain::pricing::{Billing, DailySavings, UsageInterval};
use std::time::Duration;
use uuid::Uuid;

/// Tenants with usage on `day`.
pub async fn tenants_on<C: ConnectionTrait>(conn: &C, day: DateTime<Utc>) -> Result<Vec<Uuid>, DbErr> {
    #[derive(FromQueryResult)]
    struct Tenant {
        client_id: Uuid,
    }
    let rows = Tenant::find_by_statement(sql(
        "SELECT DISTINCT client_id FROM pricing.instance_usage
         WHERE captured_at >= $1 AND captured_at < $1 + interval '1 day'",
        [day.into()],
    ));
    Ok(rows.all(conn).await?.into_iter().map(|t| t.client_id).collect())
}

/// Each PRIMARY report of the day stands for `report_interval` of usage at
/// the price it reported; reports without a price are skipped.
pub async fn primary_usage<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    day: DateTime<Utc>,
    report_interval: Duration,
) -> Result<Vec<UsageInterval>, DbErr> {
    #[derive(FromQueryResult)]
    struct Report {
        captured_at: DateTime<Utc>,
        mode: InstanceMode,
        hourly_price: f64,
        on_demand_price: f64,
    }
    let rows = Report::find_by_statement(sql(
        "SELECT captured_at, mode, hourly_price, on_demand_price FROM pricing.instance_usage
         WHERE client_id = $1 AND reporter_role = 'PRIMARY' AND captured_at >= $2 AND captured_at < $2 + interval '1 day'
           AND hourly_price IS NOT NULL AND on_demand_price IS NOT NULL
         ORDER BY captured_at",
        [client.into(), day.into()],
    ));
    let span = chrono::Duration::from_std(report_interval).unwrap_or(chrono::Duration::minutes(5));
    let interval = |r: Report| UsageInterval {
        start: r.captured_at,
        end: r.captured_at + span,
        billing: match r.mode {
            InstanceMode::Spot => Billing::Spot,
            InstanceMode::OnDemand => Billing::OnDemand,
        },
        hourly_price: r.hourly_price,
        on_demand_hourly_price: r.on_demand_price,
    };
    Ok(rows.all(conn).await?.into_iter().map(interval).collect())
}

/// Switches of a tenant on a day.
pub async fn switches_on<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    day: DateTime<Utc>,
) -> Result<u32, DbErr> {
    #[derive(FromQueryResult)]
    struct Count {
        n: i64,
    }
    let r = Count::find_by_statement(sql(
        "SELECT count(*) AS n FROM pricing.switch_log
         WHERE client_id = $1 AND occurred_at >= $2 AND occurred_at < $2 + interval '1 day'",
        [client.into(), day.into()],
    ));
    Ok(r.one(conn).await?.map_or(0, |c| c.n) as u32)
}

/// Upserts the day's snapshot (recomputing a past day replaces it).
pub async fn save_day<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    day: NaiveDate,
    s: &DailySavings,
) -> Result<(), DbErr> {
    conn.execute_raw(sql(
        "INSERT INTO pricing.savings_snapshots (client_id, day, spot_hours, on_demand_hours, actual_cost,
            on_demand_equivalent_cost, savings, savings_percent, switch_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (client_id, day) DO UPDATE SET spot_hours = EXCLUDED.spot_hours,
            on_demand_hours = EXCLUDED.on_demand_hours, actual_cost = EXCLUDED.actual_cost,
            on_demand_equivalent_cost = EXCLUDED.on_demand_equivalent_cost, savings = EXCLUDED.savings,
            savings_percent = EXCLUDED.savings_percent, switch_count = EXCLUDED.switch_count, computed_at = now()",
        [
            client.into(),
            day.into(),
            s.spot_hours.into(),
            s.on_demand_hours.into(),
            s.actual_cost.into(),
            s.on_demand_equivalent_cost.into(),
            s.savings.into(),
            s.savings_percent.into(),
            (s.switch_count as i32).into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Hourly replica cost of a day, recomputed from REPLICA reports.
pub async fn save_replica_costs<C: ConnectionTrait>(
    conn: &C,
    day: DateTime<Utc>,
    report_interval: Duration,
) -> Result<(), DbErr> {
    conn.execute_raw(sql(
        "INSERT INTO pricing.replica_cost_log (client_id, hour, replica_hours, cost)
         SELECT client_id, date_trunc('hour', captured_at), count(*) * $2 / 3600.0,
                sum(COALESCE(hourly_price, 0)) * $2 / 3600.0
         FROM pricing.instance_usage
         WHERE reporter_role = 'REPLICA' AND captured_at >= $1 AND captured_at < $1 + interval '1 day'
         GROUP BY client_id, date_trunc('hour', captured_at)
         ON CONFLICT (client_id, hour) DO UPDATE SET replica_hours = EXCLUDED.replica_hours, cost = EXCLUDED.cost",
        [day.into(), report_interval.as_secs_f64().into()],
    ))
    .await?;
    Ok(())
}

/// Stored rows between two days, aggregated by day or month.
pub async fn report<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    monthly: bool,
) -> Result<Vec<(String, DailySavings)>, DbErr> {
    let period = if monthly { "to_char(day, 'YYYY-MM')" } else { "to_char(day, 'YYYY-MM-DD')" };
    #[derive(FromQueryResult)]
    struct Period {
        period: String,
        spot_hours: f64,
        on_demand_hours: f64,
        actual_cost: f64,
        equivalent: f64,
        savings: f64,
        switches: i64,
    }
    let rows = Period::find_by_statement(sql(
        format!(
            "SELECT {period} AS period, sum(spot_hours) AS spot_hours, sum(on_demand_hours) AS on_demand_hours,
                    sum(actual_cost) AS actual_cost, sum(on_demand_equivalent_cost) AS equivalent,
                    sum(savings) AS savings, sum(switch_count)::bigint AS switches
             FROM pricing.savings_snapshots WHERE client_id = $1 AND day >= $2 AND day <= $3
             GROUP BY 1 ORDER BY 1"
        ),
        [client.into(), from.into(), to.into()],
    ));
    let total = |p: Period| {
        let percent = if p.equivalent > 0.0 { p.savings / p.equivalent * 100.0 } else { 0.0 };
        let savings = DailySavings {
            spot_hours: p.spot_hours,
            on_demand_hours: p.on_demand_hours,
            actual_cost: p.actual_cost,
            on_demand_equivalent_cost: p.equivalent,
            savings: p.savings,
            savings_percent: percent,
            switch_count: p.switches as u32,
        };
        (p.period, savings)
    };
    Ok(rows.all(conn).await?.into_iter().map(total).collect())
}
