//! Staging writes, batched with UNNEST.

use super::sql;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use spot_domain::InstanceMode;
use spot_domain::group::Role;
use spot_domain::pricing::ReporterRole;
use std::collections::HashMap;
use uuid::Uuid;

/// One pool price of one report.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub event_id: Uuid,
    pub client_id: Uuid,
    pub agent_id: Uuid,
    pub instance_id: String,
    pub role: ReporterRole,
    pub pool_id: String,
    pub region: String,
    pub instance_type: String,
    pub az: String,
    pub price: f64,
    pub captured_at: DateTime<Utc>,
}

/// What the reporting instance ran as.
#[derive(Debug, Clone)]
pub struct Usage {
    pub event_id: Uuid,
    pub client_id: Uuid,
    pub instance_id: String,
    pub role: ReporterRole,
    pub mode: InstanceMode,
    pub pool_id: Option<String>,
    pub hourly_price: Option<f64>,
    pub on_demand_price: Option<f64>,
    pub region: String,
    pub instance_type: String,
    pub captured_at: DateTime<Utc>,
}

/// A projected role.
#[derive(Debug, FromQueryResult)]
struct RoleRow {
    client_id: Uuid,
    instance_id: String,
    role: Role,
}

/// Current roles of the given instances (from the lifecycle projection).
pub async fn roles<C: ConnectionTrait>(
    conn: &C,
    keys: &[(Uuid, String)],
) -> Result<HashMap<(Uuid, String), Role>, DbErr> {
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let clients: Vec<Uuid> = keys.iter().map(|k| k.0).collect();
    let instances: Vec<String> = keys.iter().map(|k| k.1.clone()).collect();
    let rows = RoleRow::find_by_statement(sql(
        // One primary-key probe per key. A plain join let the planner
        // hash the whole projection for every batch; `LIMIT 1` keeps it
        // from flattening the LATERAL subquery back into such a join.
        "SELECT k.client_id, k.instance_id, r.role
             FROM unnest($1::uuid[], $2::text[]) AS k(client_id, instance_id)
             CROSS JOIN LATERAL (
                 SELECT role FROM pricing.instance_roles r
                 WHERE r.client_id = k.client_id AND r.instance_id = k.instance_id
                 LIMIT 1) r",
        [clients.into(), instances.into()],
    ))
    .all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| ((r.client_id, r.instance_id), r.role)).collect())
}

/// Inserts snapshots; a redelivered report adds nothing (unique event + pool).
pub async fn insert_snapshots<C: ConnectionTrait>(conn: &C, rows: &[Snapshot]) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let col = |f: &dyn Fn(&Snapshot) -> String| rows.iter().map(f).collect::<Vec<String>>();
    conn.execute_raw(sql(
        "INSERT INTO pricing.spot_price_snapshots
            (event_id, client_id, agent_id, instance_id, reporter_role, pool_id, region, instance_type, az, price, captured_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[],
                              $8::text[], $9::text[], $10::float8[], $11::timestamptz[])
         ON CONFLICT (event_id, pool_id) DO NOTHING",
        [
            rows.iter().map(|r| r.event_id).collect::<Vec<_>>().into(),
            rows.iter().map(|r| r.client_id).collect::<Vec<_>>().into(),
            rows.iter().map(|r| r.agent_id).collect::<Vec<_>>().into(),
            col(&|r| r.instance_id.clone()).into(),
            col(&|r| r.role.as_str().to_owned()).into(),
            col(&|r| r.pool_id.clone()).into(),
            col(&|r| r.region.clone()).into(),
            col(&|r| r.instance_type.clone()).into(),
            col(&|r| r.az.clone()).into(),
            rows.iter().map(|r| r.price).collect::<Vec<f64>>().into(),
            rows.iter().map(|r| r.captured_at).collect::<Vec<_>>().into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Inserts usage rows and refreshes on-demand prices (latest report wins).
pub async fn insert_usage<C: ConnectionTrait>(conn: &C, rows: &[Usage]) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    // Arrays of nullable values do not bind; NaN / '' stand for "absent".
    let num = |f: &dyn Fn(&Usage) -> Option<f64>| {
        rows.iter().map(|r| f(r).unwrap_or(f64::NAN)).collect::<Vec<f64>>()
    };
    let text = |f: &dyn Fn(&Usage) -> String| rows.iter().map(f).collect::<Vec<String>>();
    let at: Vec<DateTime<Utc>> = rows.iter().map(|r| r.captured_at).collect();
    conn.execute_raw(sql(
        "INSERT INTO pricing.instance_usage
            (event_id, client_id, instance_id, reporter_role, mode, pool_id, hourly_price, on_demand_price, captured_at)
         SELECT e, c, i, r, m, NULLIF(p, ''), NULLIF(h, 'NaN'), NULLIF(o, 'NaN'), t
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[],
                     $8::float8[], $9::timestamptz[]) AS u(e, c, i, r, m, p, h, o, t)
         ON CONFLICT (event_id) DO NOTHING",
        [
            rows.iter().map(|r| r.event_id).collect::<Vec<_>>().into(),
            rows.iter().map(|r| r.client_id).collect::<Vec<_>>().into(),
            text(&|r| r.instance_id.clone()).into(),
            text(&|r| r.role.as_str().to_owned()).into(),
            text(&|r| r.mode.as_str().to_owned()).into(),
            text(&|r| r.pool_id.clone().unwrap_or_default()).into(),
            num(&|r| r.hourly_price).into(),
            num(&|r| r.on_demand_price).into(),
            at.clone().into(),
        ],
    ))
    .await?;
    conn.execute_raw(sql(
        "INSERT INTO pricing.on_demand_prices (region, instance_type, price, updated_at)
         SELECT DISTINCT ON (region, instance_type) region, instance_type, price, at
         FROM unnest($1::text[], $2::text[], $3::float8[], $4::timestamptz[]) AS u(region, instance_type, price, at)
         WHERE price <> 'NaN' AND region <> '' AND instance_type <> ''
         ORDER BY region, instance_type, at DESC
         ON CONFLICT (region, instance_type) DO UPDATE SET price = EXCLUDED.price, updated_at = EXCLUDED.updated_at
         WHERE pricing.on_demand_prices.updated_at <= EXCLUDED.updated_at",
        [
            text(&|r| r.region.clone()).into(),
            text(&|r| r.instance_type.clone()).into(),
            num(&|r| r.on_demand_price).into(),
            at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Counts reports that were not ingested.
pub async fn count_ignored<C: ConnectionTrait>(conn: &C, reason: &str, n: i64) -> Result<(), DbErr> {
    conn.execute_raw(sql(
        "INSERT INTO pricing.ignored_reports (day, reason, count) VALUES (current_date, $1, $2)
         ON CONFLICT (day, reason) DO UPDATE SET count = pricing.ignored_reports.count + EXCLUDED.count",
        [reason.into(), n.into()],
    ))
    .await?;
    Ok(())
}
