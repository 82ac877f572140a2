//! A termination notice's timeline: the signals that make its pool unsafe,
//! the placement steps taken (first choice, escalation, fallbacks), steps
//! whose deadline passed, resolution by a completed switch, and groups
//! marked for return to spot. Each change is one conditional statement, so
//! several replicas of the service never take the same step twice.

use super::notices::{COLUMNS, NoticeRow, select};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use spot_domain::emergency::PoolSignals;
use spot_platform::store::sql;
use uuid::Uuid;

/// Other termination notices in the pool and in the AZ since `since`, and
/// whether a rebalance recommendation for `instance` came first.
pub async fn signals<C: ConnectionTrait>(
    conn: &C,
    notice: Uuid,
    client: Uuid,
    instance: &str,
    pool: Option<&str>,
    since: DateTime<Utc>,
) -> Result<PoolSignals, DbErr> {
    let az = pool.and_then(|p| p.rsplit_once('.')).map(|(_, az)| az.to_owned());
    let r = conn
        .query_one_raw(sql(
            "SELECT
                (SELECT count(*) FROM emergency.notices WHERE kind = 'termination' AND pool_id = $1
                    AND received_at > $3 AND id <> $4) AS in_pool,
                (SELECT count(*) FROM emergency.notices WHERE kind = 'termination' AND az = $2
                    AND received_at > $3 AND id <> $4) AS in_az,
                EXISTS (SELECT 1 FROM emergency.notices WHERE kind = 'rebalance' AND client_id = $5
                    AND instance_id = $6 AND received_at > now() - interval '6 hours') AS rebalanced",
            [
                pool.map(str::to_owned).into(),
                az.into(),
                since.into(),
                notice.into(),
                client.into(),
                instance.into(),
            ],
        ))
        .await?;
    let Some(r) = r else { return Ok(PoolSignals::default()) };
    let count = |name: &str| -> Result<u32, DbErr> {
        Ok(u32::try_from(r.try_get::<i64>("", name)?).unwrap_or(u32::MAX))
    };
    Ok(PoolSignals {
        others_in_pool: count("in_pool")?,
        others_in_az: count("in_az")?,
        risk: None,
        rebalance_preceded: r.try_get("", "rebalanced")?,
    })
}

/// One placement step, as recorded.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct Step {
    pub at: DateTime<Utc>,
    pub step: String,
    pub target_mode: Option<String>,
    pub target_pool_id: Option<String>,
    pub command_id: Option<Uuid>,
    pub reason: String,
}

/// Appends a step to the notice's timeline.
pub async fn add_step<C: ConnectionTrait>(
    conn: &C,
    notice: Uuid,
    step: &str,
    target_mode: Option<&str>,
    target_pool: Option<&str>,
    command: Option<Uuid>,
    reason: &str,
) -> Result<i32, DbErr> {
    let r = conn
        .query_one_raw(sql(
            "INSERT INTO emergency.notice_steps (notice_id, seq, step, target_mode, target_pool_id, command_id, reason)
             SELECT $1, COALESCE(max(seq), 0) + 1, $2, $3, $4, $5, $6 FROM emergency.notice_steps WHERE notice_id = $1
             RETURNING seq",
            [
                notice.into(),
                step.into(),
                target_mode.map(str::to_owned).into(),
                target_pool.map(str::to_owned).into(),
                command.into(),
                reason.into(),
            ],
        ))
        .await?;
    r.map_or(Ok(0), |r| r.try_get("", "seq"))
}

/// The command queued for a decided notice, once lifecycle took it: on the
/// notice (unless a later step already set one) and on the step it carries
/// (`seq`; the newest step when `None`).
pub async fn attach_command<C: ConnectionTrait>(
    conn: &C,
    notice: Uuid,
    seq: Option<i32>,
    command: Uuid,
) -> Result<(), DbErr> {
    conn.execute_raw(sql(
        "WITH step AS (
             UPDATE emergency.notice_steps SET command_id = $3
             WHERE notice_id = $1 AND command_id IS NULL
               AND seq = COALESCE($2, (SELECT max(seq) FROM emergency.notice_steps WHERE notice_id = $1)))
         UPDATE emergency.notices SET command_id = $3, version = version + 1
         WHERE id = $1 AND command_id IS NULL",
        [notice.into(), seq.into(), command.into()],
    ))
    .await?;
    Ok(())
}

/// The notice's steps, oldest first.
pub async fn steps<C: ConnectionTrait>(conn: &C, notice: Uuid) -> Result<Vec<Step>, DbErr> {
    Step::find_by_statement(sql(
        "SELECT at, step, target_mode, target_pool_id, command_id, reason FROM emergency.notice_steps
         WHERE notice_id = $1 ORDER BY seq",
        [notice.into()],
    ))
    .all(conn)
    .await
}

/// A notice the deadline sweep failed, and whether this sweep was the one
/// that saw its deadline pass (it was still being handled).
#[derive(Debug, FromQueryResult)]
struct DueStep {
    #[sea_orm(nested)]
    notice: NoticeRow,
    first_miss: bool,
}

/// Notices whose current step deadline passed without a running
/// replacement: failed (deadline missed), handed to exactly one sweeper.
pub async fn due_steps<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
) -> Result<Vec<(NoticeRow, bool)>, DbErr> {
    let cols = COLUMNS.split(',').map(|c| format!("n.{}", c.trim())).collect::<Vec<_>>().join(", ");
    let rows = DueStep::find_by_statement(sql(
            format!(
                "WITH due AS (
                     SELECT id, status AS was FROM emergency.notices
                     WHERE kind = 'termination' AND status IN ('handling', 'failed') AND step_deadline < $1
                     ORDER BY step_deadline LIMIT 200 FOR UPDATE SKIP LOCKED)
                 UPDATE emergency.notices n SET status = 'failed', step_deadline = NULL,
                     deadline_missed = n.deadline_missed OR n.deadline < $1,
                     finished_at = COALESCE(n.finished_at, $1),
                     reason = CASE WHEN due.was = 'handling' THEN 'deadline passed without a running replacement'
                                   ELSE n.reason END,
                     version = n.version + 1
                 FROM due WHERE n.id = due.id RETURNING {cols}, due.was = 'handling' AS first_miss"
            ),
            [now.into()],
        ))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|r| (r.notice, r.first_miss)).collect())
}

/// Records the next step taken for a notice.
pub async fn set_step<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    label: &str,
    target_mode: &str,
    target_pool: Option<&str>,
    command: Option<Uuid>,
    step_deadline: Option<DateTime<Utc>>,
) -> Result<Option<NoticeRow>, DbErr> {
    select(
        format!(
            "UPDATE emergency.notices SET fallback = $2, target_mode = $3, target_pool_id = COALESCE($4, target_pool_id),
                command_id = COALESCE($5, command_id), step_deadline = $6,
                tried_pools = CASE WHEN $4::text IS NULL THEN tried_pools ELSE array_append(tried_pools, $4) END,
                version = version + 1
             WHERE id = $1 RETURNING {COLUMNS}"
        ),
        vec![
            id.into(),
            label.into(),
            target_mode.into(),
            target_pool.map(str::to_owned).into(),
            command.into(),
            step_deadline.into(),
        ],
    )
    .one(conn)
    .await
}

/// A switch moved the noticed instance's workload: the notice is resolved.
pub async fn resolve_by_switch<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    old_instance: &str,
    new_instance: &str,
) -> Result<Option<NoticeRow>, DbErr> {
    select(
        format!(
            "UPDATE emergency.notices SET status = 'resolved', promoted_at = now(), finished_at = now(),
                replica_instance_id = $3, step_deadline = NULL,
                decided_at = COALESCE(decided_at, now()),
                replica_ready_ms = (extract(epoch FROM now() - received_at) * 1000)::bigint,
                promoted_ms = (extract(epoch FROM now() - received_at) * 1000)::bigint,
                deadline_margin_ms = (extract(epoch FROM deadline - now()) * 1000)::bigint,
                reason = reason || '; switched to ' || $3, version = version + 1
             WHERE client_id = $1 AND instance_id = $2 AND kind = 'termination'
               AND status IN ('detected', 'handling', 'failed') RETURNING {COLUMNS}"
        ),
        vec![client.into(), old_instance.into(), new_instance.into()],
    )
    .one(conn)
    .await
}

/// Earlier notices in the AZ since `since` that were answered with a
/// same-pool replica and still wait: claimed for a switch (once).
pub async fn claim_same_pool<C: ConnectionTrait>(
    conn: &C,
    az: &str,
    since: DateTime<Utc>,
    except: Uuid,
) -> Result<Vec<NoticeRow>, DbErr> {
    select(
        format!(
            "UPDATE emergency.notices SET action = 'switch', version = version + 1
             WHERE id IN (SELECT id FROM emergency.notices
                          WHERE kind = 'termination' AND az = $1 AND received_at > $2 AND id <> $3
                            AND status = 'handling' AND action = 'same_pool_replica' AND NOT typed
                          FOR UPDATE SKIP LOCKED)
             RETURNING {COLUMNS}"
        ),
        vec![az.into(), since.into(), except.into()],
    )
    .all(conn)
    .await
}

/// Marks the notice's group for return to spot; `false` when it already was.
pub async fn mark_return_to_spot<C: ConnectionTrait>(
    conn: &C,
    n: &NoticeRow,
    reason: &str,
) -> Result<bool, DbErr> {
    let Some(group) = n.group_id else { return Ok(false) };
    let r = conn
        .execute_raw(sql(
            "INSERT INTO emergency.return_to_spot (group_id, client_id, agent_id, notice_id, instance_id, reason)
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (group_id) DO NOTHING",
            [
                group.into(),
                n.client_id.into(),
                n.agent_id.into(),
                n.id.into(),
                n.instance_id.clone().into(),
                reason.into(),
            ],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Whether the group waits to return to spot.
pub async fn returns_to_spot<C: ConnectionTrait>(conn: &C, group: Option<Uuid>) -> Result<bool, DbErr> {
    let Some(group) = group else { return Ok(false) };
    let r = conn
        .query_one_raw(sql("SELECT 1 AS x FROM emergency.return_to_spot WHERE group_id = $1", [group.into()]))
        .await?;
    Ok(r.is_some())
}

/// Whether a termination notice of the group still waits for its
/// replacement.
pub async fn notice_open<C: ConnectionTrait>(conn: &C, group: Option<Uuid>) -> Result<bool, DbErr> {
    let Some(group) = group else { return Ok(false) };
    let r = conn
        .query_one_raw(sql("SELECT 1 AS x FROM emergency.notices WHERE group_id = $1 AND kind = 'termination'
               AND (status IN ('detected', 'handling', 'promoting') OR (status = 'failed' AND step_deadline IS NOT NULL))
             LIMIT 1",
            [group.into()],
        ))
        .await?;
    Ok(r.is_some())
}
