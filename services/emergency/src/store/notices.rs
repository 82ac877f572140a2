//! Notices and their state changes. Every change is one conditional UPDATE
//! (`WHERE status = ...`), so two replicas of the service never both win.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, SelectModel, SelectorRaw, Value};
use spot_platform::store::sql;
use uuid::Uuid;

/// A stored notice.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct NoticeRow {
    pub id: Uuid,
    pub client_id: Uuid,
    pub agent_id: Uuid,
    pub group_id: Option<Uuid>,
    pub instance_id: String,
    pub pool_id: Option<String>,
    pub kind: String,
    pub status: String,
    pub action: String,
    pub notice_time: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub deadline: Option<DateTime<Utc>>,
    pub target_mode: Option<String>,
    pub target_pool_id: Option<String>,
    pub risk_score: Option<f64>,
    pub replica_id: Option<Uuid>,
    pub decided_at: Option<DateTime<Utc>>,
    pub replica_ready_at: Option<DateTime<Utc>>,
    pub promoted_at: Option<DateTime<Utc>>,
    pub deadline_missed: bool,
    pub reason: String,
    pub fallback: String,
    pub az: Option<String>,
    pub typed: bool,
    pub step_deadline: Option<DateTime<Utc>>,
    pub tried_pools: Vec<String>,
    pub command_id: Option<Uuid>,
}

pub(crate) const COLUMNS: &str =
    "id, client_id, agent_id, group_id, instance_id, pool_id, kind, status, action, notice_time,
    received_at, deadline, target_mode, target_pool_id, risk_score, replica_id, decided_at, replica_ready_at,
    promoted_at, deadline_missed, reason, fallback, az, typed, step_deadline, tried_pools, command_id";

/// Notices returned by `text` (`RETURNING {COLUMNS}` or `SELECT {COLUMNS}`).
pub(crate) fn select(text: String, values: Vec<Value>) -> SelectorRaw<SelectModel<NoticeRow>> {
    NoticeRow::find_by_statement(sql(text, values))
}

/// A notice seen for the first time.
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub client_id: Uuid,
    pub agent_id: Uuid,
    pub group_id: Option<Uuid>,
    pub instance_id: String,
    pub pool_id: Option<String>,
    pub kind: &'static str,
    pub notice_time: DateTime<Utc>,
    pub detected_at: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub policy: Option<&'static str>,
    pub typed: bool,
    /// `termination_time` exactly as sent.
    pub termination_time_raw: Option<String>,
}

/// Records the notice; `None` when it was recorded before (a repeat).
pub async fn insert_once<C: ConnectionTrait>(conn: &C, n: &NewNotice) -> Result<Option<NoticeRow>, DbErr> {
    select(
        format!(
            "INSERT INTO emergency.notices (id, client_id, agent_id, group_id, instance_id, pool_id, kind, status,
                notice_time, detected_at, deadline, policy, az, typed, termination_time_raw)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'detected', $8, $9, $10, $11,
                NULLIF(reverse(split_part(reverse(COALESCE($6, '')), '.', 1)), ''), $12, $13)
             ON CONFLICT DO NOTHING RETURNING {COLUMNS}"
        ),
        vec![
            Uuid::now_v7().into(),
            n.client_id.into(),
            n.agent_id.into(),
            n.group_id.into(),
            n.instance_id.clone().into(),
            n.pool_id.clone().into(),
            n.kind.into(),
            n.notice_time.into(),
            n.detected_at.into(),
            n.deadline.into(),
            n.policy.map(str::to_owned).into(),
            n.typed.into(),
            n.termination_time_raw.clone().into(),
        ],
    )
    .one(conn)
    .await
}

/// The notice a repeat refers to: the instance's termination notice, or its
/// open rebalance recommendation.
pub async fn existing<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    instance: &str,
    kind: &str,
) -> Result<Option<NoticeRow>, DbErr> {
    select(
        format!(
            "SELECT {COLUMNS} FROM emergency.notices WHERE client_id = $1 AND instance_id = $2 AND kind = $3
             AND (kind = 'termination' OR status IN ('detected', 'handling', 'promoting'))
             ORDER BY received_at DESC LIMIT 1"
        ),
        vec![client.into(), instance.into(), kind.into()],
    )
    .one(conn)
    .await
}

/// The decision taken for a new notice.
#[derive(Debug, Clone, Default)]
pub struct Decision {
    pub status: &'static str,
    pub action: String,
    pub target_mode: Option<String>,
    pub target_pool_id: Option<String>,
    pub risk_score: Option<f64>,
    pub command_id: Option<Uuid>,
    pub reason: String,
    /// When this placement must have produced a running replacement.
    pub step_deadline: Option<DateTime<Utc>>,
    /// The deadline was already missed when deciding.
    pub missed: bool,
}

/// Records the decision (from `detected` only).
pub async fn decide<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    d: &Decision,
) -> Result<Option<NoticeRow>, DbErr> {
    select(
        format!(
            "UPDATE emergency.notices SET status = $2, action = $3, target_mode = $4, target_pool_id = $5,
                risk_score = $6, command_id = $7, reason = $8, decided_at = now(),
                decision_ms = (extract(epoch FROM now() - received_at) * 1000)::bigint,
                finished_at = CASE WHEN $2 IN ('resolved', 'failed') THEN now() END,
                step_deadline = $9, deadline_missed = deadline_missed OR $10,
                tried_pools = CASE WHEN $5::text IS NULL OR $5 = pool_id THEN tried_pools
                                   ELSE array_append(tried_pools, $5) END,
                version = version + 1
             WHERE id = $1 AND status IN ('detected', 'handling') RETURNING {COLUMNS}"
        ),
        vec![
            id.into(),
            d.status.into(),
            d.action.clone().into(),
            d.target_mode.clone().into(),
            d.target_pool_id.clone().into(),
            d.risk_score.into(),
            d.command_id.into(),
            d.reason.clone().into(),
            d.step_deadline.into(),
            d.missed.into(),
        ],
    )
    .one(conn)
    .await
}

/// Claims a notice for promoting `replica`: the notice itself when `id` is
/// given (still `detected`), else the group's oldest termination notice that
/// waits for a replica or missed its deadline. One caller wins.
pub async fn claim<C: ConnectionTrait>(
    conn: &C,
    id: Option<Uuid>,
    group: Option<Uuid>,
    replica: Uuid,
    replica_instance: &str,
) -> Result<Option<NoticeRow>, DbErr> {
    select(
        format!(
            "UPDATE emergency.notices SET status = 'promoting', replica_id = $3, replica_instance_id = $4,
                replica_ready_at = COALESCE(replica_ready_at, now()), version = version + 1
             WHERE id = (SELECT id FROM emergency.notices
                         WHERE kind = 'termination'
                           AND (($1::uuid IS NOT NULL AND id = $1 AND status = 'detected')
                             OR ($1::uuid IS NULL AND group_id = $2 AND status IN ('handling', 'failed')))
                         ORDER BY received_at LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING {COLUMNS}"
        ),
        vec![id.into(), group.into(), replica.into(), replica_instance.into()],
    )
    .one(conn)
    .await
}

/// How a promotion ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromotionEnd {
    /// It committed: the notice is resolved, with its timings.
    Committed,
    /// It failed: back to waiting (or failed when the deadline passed).
    Failed,
}

/// Ends the promotion of notice `id` (status `promoting`) as `end` says;
/// `reason` says why.
pub async fn end_promotion<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    end: PromotionEnd,
    reason: &str,
) -> Result<Option<NoticeRow>, DbErr> {
    let set = match end {
        PromotionEnd::Committed => {
            "status = 'resolved', promoted_at = now(), finished_at = now(),
                action = CASE WHEN action = '' THEN 'promoted' ELSE action END,
                decided_at = COALESCE(decided_at, now()),
                decision_ms = COALESCE(decision_ms, (extract(epoch FROM now() - received_at) * 1000)::bigint),
                replica_ready_ms = (extract(epoch FROM replica_ready_at - received_at) * 1000)::bigint,
                promoted_ms = (extract(epoch FROM now() - received_at) * 1000)::bigint,
                deadline_margin_ms = (extract(epoch FROM deadline - now()) * 1000)::bigint,
                reason = CASE WHEN reason = '' THEN $2 ELSE reason || '; ' || $2 END, step_deadline = NULL"
        }
        PromotionEnd::Failed => {
            "status = CASE WHEN deadline_missed THEN 'failed' ELSE 'handling' END, reason = $2"
        }
    };
    select(
        format!(
            "UPDATE emergency.notices SET {set}, version = version + 1
             WHERE id = $1 AND status = 'promoting' RETURNING {COLUMNS}"
        ),
        vec![id.into(), reason.into()],
    )
    .one(conn)
    .await
}

/// Open rebalance recommendations older than `before` are closed.
pub async fn close_stale_rebalances<C: ConnectionTrait>(
    conn: &C,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(conn
        .execute_raw(sql(
            "UPDATE emergency.notices SET status = 'resolved', finished_at = now(),
                reason = CASE WHEN reason = '' THEN 'recommendation expired' ELSE reason || '; expired' END
             WHERE kind = 'rebalance' AND status IN ('detected', 'handling') AND received_at < $1",
            [before.into()],
        ))
        .await?
        .rows_affected())
}

/// A termination notice closes the instance's open rebalance recommendation.
pub async fn close_rebalance_of<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    instance: &str,
) -> Result<(), DbErr> {
    conn.execute_raw(sql(
        "UPDATE emergency.notices SET status = 'resolved', finished_at = now(), reason = 'termination notice followed'
         WHERE client_id = $1 AND instance_id = $2 AND kind = 'rebalance' AND status IN ('detected', 'handling')",
        [client.into(), instance.into()],
    ))
    .await?;
    Ok(())
}

/// The agent's newest notice.
pub async fn latest_for_agent<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    agent: Uuid,
) -> Result<Option<NoticeRow>, DbErr> {
    select(
        format!(
            "SELECT {COLUMNS} FROM emergency.notices WHERE client_id = $1 AND agent_id = $2
             ORDER BY received_at DESC LIMIT 1"
        ),
        vec![client.into(), agent.into()],
    )
    .one(conn)
    .await
}

/// Termination notices seen in a pool in the last 30 days.
pub async fn interruptions_30d<C: ConnectionTrait>(conn: &C, pool: &str) -> Result<i64, DbErr> {
    let r = conn
        .query_one_raw(sql(
            "SELECT count(*) AS n FROM emergency.notices
             WHERE pool_id = $1 AND kind = 'termination' AND received_at > now() - interval '30 days'",
            [pool.into()],
        ))
        .await?;
    Ok(r.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0))
}

/// The agent's termination notice about `instance` (what a repeat reads).
pub async fn existing_of_agent<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    agent: Uuid,
    instance: &str,
) -> Result<Option<NoticeRow>, DbErr> {
    select(
        format!(
            "SELECT {COLUMNS} FROM emergency.notices
             WHERE client_id = $1 AND instance_id = $2 AND kind = 'termination' AND agent_id = $3"
        ),
        vec![client.into(), instance.into(), agent.into()],
    )
    .one(conn)
    .await
}

/// Removes a notice no decision was recorded for (its decision failed), so
/// the next repeat decides again.
pub async fn forget_undecided<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<(), DbErr> {
    conn.execute_raw(sql("DELETE FROM emergency.notices WHERE id = $1 AND status = 'detected'", [id.into()]))
        .await?;
    Ok(())
}
