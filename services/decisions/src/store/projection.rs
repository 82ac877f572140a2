//! Writes of the local projections, one function per fact. Each is an
//! idempotent upsert guarded by the fact's time or version, so redelivered
//! or reordered events leave the newest state in place.

use super::stmt;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

/// Where a group's PRIMARY runs.
#[derive(Debug, Clone)]
pub struct Primary<'a> {
    pub group: Uuid,
    pub client: Uuid,
    pub logical: &'a str,
    pub agent: Uuid,
    pub instance_id: &'a str,
    pub instance_type: &'a str,
    pub region: &'a str,
    pub az: &'a str,
    /// `spot` | `ondemand`.
    pub mode: &'a str,
    pub at: DateTime<Utc>,
}

pub async fn agent<C: ConnectionTrait>(
    conn: &C,
    agent: Uuid,
    group: Uuid,
    instance: &str,
) -> Result<(), DbErr> {
    conn.execute_raw(stmt(
        "INSERT INTO decisions.agents (agent_id, group_id, instance_id) VALUES ($1, $2, $3)
         ON CONFLICT (agent_id) DO NOTHING",
        vec![agent.into(), group.into(), instance.into()],
    ))
    .await?;
    Ok(())
}

pub async fn group_of_agent<C: ConnectionTrait>(conn: &C, agent: Uuid) -> Result<Option<Uuid>, DbErr> {
    let row = conn
        .query_one_raw(stmt("SELECT group_id FROM decisions.agents WHERE agent_id = $1", vec![agent.into()]))
        .await?;
    row.map(|r| r.try_get("", "group_id")).transpose()
}

pub async fn primary<C: ConnectionTrait>(conn: &C, p: &Primary<'_>) -> Result<(), DbErr> {
    let pool = (p.mode == "spot" && !p.instance_type.is_empty() && !p.az.is_empty())
        .then(|| format!("{}.{}", p.instance_type, p.az));
    conn.execute_raw(stmt(
        "INSERT INTO decisions.groups AS g (group_id, client_id, logical_agent_id, primary_agent_id, primary_instance_id,
                instance_type, region, az, mode, pool_id, primary_since, pool_since)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
         ON CONFLICT (group_id) DO UPDATE SET
            primary_agent_id = EXCLUDED.primary_agent_id,
            primary_instance_id = EXCLUDED.primary_instance_id,
            instance_type = EXCLUDED.instance_type, region = EXCLUDED.region, az = EXCLUDED.az, mode = EXCLUDED.mode,
            pool_since = CASE WHEN g.pool_id IS DISTINCT FROM EXCLUDED.pool_id OR g.mode IS DISTINCT FROM EXCLUDED.mode
                              THEN EXCLUDED.pool_since ELSE g.pool_since END,
            pool_id = EXCLUDED.pool_id,
            primary_since = CASE WHEN g.primary_instance_id IS DISTINCT FROM EXCLUDED.primary_instance_id
                                 THEN EXCLUDED.primary_since ELSE g.primary_since END,
            return_to_spot = g.return_to_spot AND EXCLUDED.mode = 'ondemand',
            updated_at = now()
         WHERE g.primary_since IS NULL OR g.primary_since <= EXCLUDED.primary_since",
        vec![
            p.group.into(),
            p.client.into(),
            p.logical.into(),
            p.agent.into(),
            p.instance_id.into(),
            p.instance_type.into(),
            p.region.into(),
            p.az.into(),
            p.mode.into(),
            pool.into(),
            p.at.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// A promoted instance whose agent registered earlier (as a replica).
pub async fn promoted<C: ConnectionTrait>(
    conn: &C,
    group: Uuid,
    instance_id: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    conn.execute_raw(stmt(
        "UPDATE decisions.groups g SET primary_instance_id = $2, primary_agent_id = a.agent_id,
                primary_since = $3, updated_at = now()
         FROM (SELECT agent_id FROM decisions.agents WHERE group_id = $1 AND instance_id = $2 LIMIT 1) a
         WHERE g.group_id = $1 AND (g.primary_since IS NULL OR g.primary_since <= $3)
           AND g.primary_instance_id IS DISTINCT FROM $2",
        vec![group.into(), instance_id.into(), at.into()],
    ))
    .await?;
    Ok(())
}

/// Settings from lifecycle; turning auto_switch on makes the group due now.
#[allow(clippy::too_many_arguments)]
pub async fn settings<C: ConnectionTrait>(
    conn: &C,
    group: Uuid,
    client: Uuid,
    logical: &str,
    s: &spot_contracts::v1::GroupSettings,
) -> Result<(), DbErr> {
    conn.execute_raw(stmt(
        "INSERT INTO decisions.groups AS g (group_id, client_id, logical_agent_id, auto_switch, manual_replica,
                auto_terminate, min_savings_percent, max_switches_per_week, min_pool_duration_hours,
                availability_target_percent, settings_version, next_eval_at, next_trigger)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now(), 'settings')
         ON CONFLICT (group_id) DO UPDATE SET
            auto_switch = EXCLUDED.auto_switch, manual_replica = EXCLUDED.manual_replica,
            auto_terminate = EXCLUDED.auto_terminate, min_savings_percent = EXCLUDED.min_savings_percent,
            max_switches_per_week = EXCLUDED.max_switches_per_week,
            min_pool_duration_hours = EXCLUDED.min_pool_duration_hours,
            availability_target_percent = EXCLUDED.availability_target_percent,
            settings_version = EXCLUDED.settings_version,
            next_eval_at = CASE WHEN EXCLUDED.auto_switch AND NOT g.auto_switch THEN now() ELSE g.next_eval_at END,
            next_trigger = CASE WHEN EXCLUDED.auto_switch AND NOT g.auto_switch THEN 'settings' ELSE g.next_trigger END,
            updated_at = now()
         WHERE g.settings_version < EXCLUDED.settings_version",
        vec![
            group.into(),
            client.into(),
            logical.into(),
            s.auto_switch.into(),
            s.manual_replica.into(),
            s.auto_terminate.into(),
            s.min_savings_percent.into(),
            s.max_switches_per_week.into(),
            s.min_pool_duration_hours.into(),
            // Events from before the field existed carry 0: the default applies.
            (if s.availability_target_percent > 0.0 { s.availability_target_percent } else { 99.9 }).into(),
            s.version.into(),
        ],
    ))
    .await?;
    Ok(())
}

/// Pulls the next evaluation of auto-switch groups forward to `at`
/// (`instance_type` None: every group). The evaluation key is built from
/// `next_eval_at`, so a redelivered event changes nothing.
pub async fn mark_due<C: ConnectionTrait>(
    conn: &C,
    instance_type: Option<&str>,
    group: Option<Uuid>,
    at: DateTime<Utc>,
    trigger: &str,
) -> Result<u64, DbErr> {
    let r = conn
        .execute_raw(stmt(
            "UPDATE decisions.groups SET next_eval_at = $1, next_trigger = $2
             WHERE auto_switch AND next_eval_at > $1
               AND ($3::text IS NULL OR instance_type = $3) AND ($4::uuid IS NULL OR group_id = $4)",
            vec![at.into(), trigger.into(), instance_type.map(str::to_owned).into(), group.into()],
        ))
        .await?;
    Ok(r.rows_affected())
}

/// Pools seen in agents' pricing reports, with the on-demand price.
pub async fn pools_seen<C: ConnectionTrait>(
    conn: &C,
    pools: &[(String, String, String, Option<f64>)],
) -> Result<(), DbErr> {
    if pools.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = pools.iter().map(|p| p.0.clone()).collect();
    let types: Vec<String> = pools.iter().map(|p| p.1.clone()).collect();
    let azs: Vec<String> = pools.iter().map(|p| p.2.clone()).collect();
    // Unknown on-demand prices travel as NaN and become NULL in SQL (the
    // driver has no array of optional floats).
    let od: Vec<f64> =
        pools.iter().map(|p| p.3.filter(|v| v.is_finite() && *v > 0.0).unwrap_or(f64::NAN)).collect();
    conn.execute_raw(stmt(
        "INSERT INTO decisions.pools AS p (pool_id, instance_type, az, on_demand_price)
         SELECT id, t, az, CASE WHEN od = 'NaN'::float8 THEN NULL ELSE od END
         FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[]) AS u(id, t, az, od)
         ON CONFLICT (pool_id) DO UPDATE SET
            on_demand_price = COALESCE(EXCLUDED.on_demand_price, p.on_demand_price), updated_at = now()
         WHERE EXCLUDED.on_demand_price IS NOT NULL AND EXCLUDED.on_demand_price IS DISTINCT FROM p.on_demand_price",
        vec![ids.into(), types.into(), azs.into(), od.into()],
    ))
    .await?;
    Ok(())
}

/// Newest risk of a pool; returns true when its class changed.
pub async fn risk<C: ConnectionTrait>(
    conn: &C,
    pool: &str,
    instance_type: &str,
    az: &str,
    r: &spot_contracts::v1::PoolRisk,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let row = conn
        .query_one_raw(stmt(
            "WITH old AS (SELECT risk FROM decisions.pools WHERE pool_id = $1)
             INSERT INTO decisions.pools AS p (pool_id, instance_type, az, risk, risk_score, interruptions_30d, risk_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (pool_id) DO UPDATE SET risk = EXCLUDED.risk, risk_score = EXCLUDED.risk_score,
                interruptions_30d = EXCLUDED.interruptions_30d, risk_at = EXCLUDED.risk_at, updated_at = now()
             WHERE p.risk_at IS NULL OR p.risk_at <= EXCLUDED.risk_at
             RETURNING (SELECT risk FROM old) IS DISTINCT FROM p.risk AS changed",
            vec![
                pool.into(),
                instance_type.into(),
                az.into(),
                spot_domain::decisions::RiskLevel::parse(&r.recommendation).as_str().into(),
                r.score.into(),
                r.interruptions_30d.into(),
                at.into(),
            ],
        ))
        .await?;
    Ok(match row {
        Some(r) => r.try_get("", "changed")?,
        None => false,
    })
}

/// A switch or a notice of a group (the key makes it once).
pub async fn group_event<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    group: Uuid,
    kind: &str,
    pool: Option<&str>,
    open: bool,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let r = conn
        .execute_raw(stmt(
            "INSERT INTO decisions.group_events (event_key, group_id, kind, pool_id, open, at)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_key) DO NOTHING",
            vec![
                key.into(),
                group.into(),
                kind.into(),
                pool.map(str::to_owned).into(),
                open.into(),
                at.into(),
            ],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// A notice ended: close it; a failover starts the cool-down, a fallback
/// to on-demand marks the group for return to spot (evaluated once the
/// cool-down is over).
pub async fn notice_closed<C: ConnectionTrait>(
    conn: &C,
    notice_key: &str,
    group: Uuid,
    failover: bool,
    to_on_demand: bool,
    at: DateTime<Utc>,
    cooldown: chrono::Duration,
) -> Result<(), DbErr> {
    conn.execute_raw(stmt(
        "UPDATE decisions.group_events SET open = false WHERE event_key = $1",
        vec![notice_key.into()],
    ))
    .await?;
    if failover || to_on_demand {
        conn.execute_raw(stmt(
            "UPDATE decisions.groups SET
                last_failover_at = GREATEST(COALESCE(last_failover_at, $2), $2),
                return_to_spot = return_to_spot OR $3,
                next_eval_at = CASE WHEN $3 AND auto_switch THEN $4 ELSE next_eval_at END,
                next_trigger = CASE WHEN $3 AND auto_switch THEN 'return_to_spot' ELSE next_trigger END
             WHERE group_id = $1",
            vec![group.into(), at.into(), to_on_demand.into(), (at + cooldown).into()],
        ))
        .await?;
    }
    Ok(())
}

/// Counts a termination notice against the group's latest executed decision.
pub async fn interruption_after_switch<C: ConnectionTrait>(
    conn: &C,
    group: Uuid,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    conn.execute_raw(stmt(
        "UPDATE decisions.decisions SET interruptions_after = interruptions_after + 1
         WHERE id = (SELECT id FROM decisions.decisions WHERE group_id = $1 AND command_status = 'succeeded'
                     AND executed_at <= $2 ORDER BY executed_at DESC LIMIT 1)",
        vec![group.into(), at.into()],
    ))
    .await?;
    Ok(())
}
