//! Reads of one evaluation round: the due groups (claimed with
//! `FOR UPDATE SKIP LOCKED`, so replicas split the work), their recent
//! history, and the pools and prices of their instance types.

use super::stmt;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use spot_domain::decisions::{PointSource, PricePoint};
use std::collections::HashMap;
use uuid::Uuid;

/// One group as the loop sees it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct GroupRow {
    pub group_id: Uuid,
    pub client_id: Uuid,
    pub auto_switch: bool,
    pub manual_replica: bool,
    pub auto_terminate: bool,
    pub min_savings_percent: f64,
    pub max_switches_per_week: i32,
    pub min_pool_duration_hours: i32,
    pub availability_target_percent: f64,
    pub primary_agent_id: Option<Uuid>,
    pub instance_type: Option<String>,
    pub region: Option<String>,
    pub az: Option<String>,
    pub mode: Option<String>,
    pub pool_id: Option<String>,
    pub primary_since: Option<DateTime<Utc>>,
    pub pool_since: Option<DateTime<Utc>>,
    pub last_failover_at: Option<DateTime<Utc>>,
    pub return_to_spot: bool,
    pub next_eval_at: DateTime<Utc>,
    pub next_trigger: String,
}

/// Claims up to `limit` due auto-switch groups for this transaction.
pub async fn claim_due<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<GroupRow>, DbErr> {
    GroupRow::find_by_statement(stmt(
            "SELECT group_id, client_id, auto_switch, manual_replica, auto_terminate, min_savings_percent,
                    max_switches_per_week, min_pool_duration_hours, availability_target_percent, primary_agent_id,
                    instance_type, region, az, mode, pool_id, primary_since, pool_since, last_failover_at,
                    return_to_spot, next_eval_at, next_trigger
             FROM decisions.groups WHERE auto_switch AND next_eval_at <= $1
             ORDER BY next_eval_at LIMIT $2 FOR UPDATE SKIP LOCKED",
            vec![now.into(), limit.into()],
        ))
        .all(conn)
        .await
}

/// Schedules the next timer evaluation of the claimed groups.
pub async fn reschedule<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
    next: DateTime<Utc>,
) -> Result<(), DbErr> {
    conn.execute_raw(stmt(
        "UPDATE decisions.groups SET next_eval_at = $2, next_trigger = 'timer' WHERE group_id = ANY($1)",
        vec![ids.to_vec().into(), next.into()],
    ))
    .await?;
    Ok(())
}

/// Recent history per group.
#[derive(Debug, Clone, Default)]
pub struct GroupHistory {
    pub switches_last_week: u32,
    pub interruptions_7d: u32,
    pub notice_open: bool,
    pub command_pending: bool,
}

/// How long an unresolved notice counts as open (a lost resolution must
/// not block a group forever).
const NOTICE_OPEN_MINUTES: i64 = 30;
/// How long a queued command of ours counts as pending.
const COMMAND_PENDING_MINUTES: i64 = 60;

pub async fn histories<C: ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
    now: DateTime<Utc>,
) -> Result<HashMap<Uuid, GroupHistory>, DbErr> {
    let rows = conn
        .query_all_raw(stmt(
            "SELECT group_id,
                    count(*) FILTER (WHERE kind = 'switch')::int8 AS switches,
                    count(*) FILTER (WHERE kind = 'notice')::int8 AS notices,
                    coalesce(bool_or(kind = 'notice' AND open AND at > $2 - make_interval(mins => $3)), false) AS open
             FROM decisions.group_events WHERE group_id = ANY($1) AND at > $2 - interval '7 days'
             GROUP BY group_id",
            vec![ids.to_vec().into(), now.into(), (NOTICE_OPEN_MINUTES as i32).into()],
        ))
        .await?;
    let mut out: HashMap<Uuid, GroupHistory> = HashMap::new();
    for r in rows {
        let h = out.entry(r.try_get("", "group_id")?).or_default();
        h.switches_last_week = u32::try_from(r.try_get::<i64>("", "switches")?).unwrap_or(u32::MAX);
        h.interruptions_7d = u32::try_from(r.try_get::<i64>("", "notices")?).unwrap_or(u32::MAX);
        h.notice_open = r.try_get("", "open")?;
    }
    let pending = conn
        .query_all_raw(stmt(
            // A succeeded switch whose new PRIMARY has not registered yet is
            // still in progress: the projection shows the old placement.
            "SELECT DISTINCT d.group_id FROM decisions.decisions d JOIN decisions.groups g ON g.group_id = d.group_id
             WHERE d.group_id = ANY($1) AND d.decided_at > $2 - make_interval(mins => $3)
               AND (d.command_status IN ('queueing', 'queued')
                    OR (d.command_status = 'succeeded' AND d.executed_at > coalesce(g.primary_since, '-infinity')))",
            vec![ids.to_vec().into(), now.into(), (COMMAND_PENDING_MINUTES as i32).into()],
        ))
        .await?;
    for r in pending {
        out.entry(r.try_get("", "group_id")?).or_default().command_pending = true;
    }
    Ok(out)
}

/// A pool of the projection.
#[derive(Debug, Clone, FromQueryResult)]
pub struct PoolRow {
    pub pool_id: String,
    pub az: String,
    pub on_demand_price: Option<f64>,
    pub risk: String,
    pub risk_score: Option<f64>,
    pub interruptions_30d: i32,
}

pub async fn pools_of_type<C: ConnectionTrait>(conn: &C, instance_type: &str) -> Result<Vec<PoolRow>, DbErr> {
    PoolRow::find_by_statement(stmt(
        "SELECT pool_id, az, on_demand_price, risk, risk_score, interruptions_30d
             FROM decisions.pools WHERE instance_type = $1 ORDER BY pool_id",
        vec![instance_type.into()],
    ))
    .all(conn)
    .await
}

/// Consolidated points of `pools` since `since`, oldest first.
pub async fn points<C: ConnectionTrait>(
    conn: &C,
    pools: &[String],
    since: DateTime<Utc>,
) -> Result<HashMap<String, Vec<PricePoint>>, DbErr> {
    let rows = conn
        .query_all_raw(stmt(
            "SELECT pool_id, bucket_start, price, source FROM decisions.price_points
             WHERE pool_id = ANY($1) AND bucket_start >= $2 ORDER BY pool_id, bucket_start",
            vec![pools.to_vec().into(), since.into()],
        ))
        .await?;
    let mut out: HashMap<String, Vec<PricePoint>> = HashMap::new();
    for r in rows {
        let source: String = r.try_get("", "source")?;
        out.entry(r.try_get("", "pool_id")?).or_default().push(PricePoint {
            at: r.try_get("", "bucket_start")?,
            price: r.try_get("", "price")?,
            source: PointSource::parse(&source).unwrap_or(PointSource::Interpolated),
        });
    }
    Ok(out)
}

/// Replaces the points of `pool` from `from` on with `points` (a
/// re-consolidated window replaces what it covers) and drops points older
/// than 7 days.
pub async fn store_points<C: ConnectionTrait>(
    conn: &C,
    pool: &str,
    from: DateTime<Utc>,
    points: &[(DateTime<Utc>, f64, String)],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    conn.execute_raw(stmt(
        "DELETE FROM decisions.price_points WHERE pool_id = $1 AND (bucket_start >= $2 OR bucket_start < $3 - interval '7 days')",
        vec![pool.into(), from.into(), now.into()],
    ))
    .await?;
    if !points.is_empty() {
        let at: Vec<DateTime<Utc>> = points.iter().map(|p| p.0).collect();
        let price: Vec<f64> = points.iter().map(|p| p.1).collect();
        let source: Vec<String> = points.iter().map(|p| p.2.clone()).collect();
        conn.execute_raw(stmt(
            "INSERT INTO decisions.price_points (pool_id, bucket_start, price, source)
             SELECT $1, * FROM unnest($2::timestamptz[], $3::float8[], $4::text[])
             ON CONFLICT (pool_id, bucket_start) DO UPDATE SET price = EXCLUDED.price, source = EXCLUDED.source",
            vec![pool.into(), at.into(), price.into(), source.into()],
        ))
        .await?;
    }
    conn.execute_raw(stmt(
        "UPDATE decisions.pools SET synced_until = $2 WHERE pool_id = $1",
        vec![pool.into(), now.into()],
    ))
    .await?;
    Ok(())
}

/// Every pool id with when it was last synced.
pub async fn pool_sync_state<C: ConnectionTrait>(
    conn: &C,
) -> Result<Vec<(String, Option<DateTime<Utc>>)>, DbErr> {
    let rows = conn.query_all_raw(stmt("SELECT pool_id, synced_until FROM decisions.pools", vec![])).await?;
    rows.iter().map(|r| Ok((r.try_get("", "pool_id")?, r.try_get("", "synced_until")?))).collect()
}
