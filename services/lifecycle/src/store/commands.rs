//! The command queue.

use crate::error::Result;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use serde_json::Value;
use spot_platform::store::sql;
use uuid::Uuid;

/// A command as stored.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct CommandRow {
    pub id: Uuid,
    pub agent_id: Uuid,
    pub command_type: String,
    pub priority: i32,
    pub target_mode: Option<String>,
    pub target_pool_id: Option<String>,
    pub request_id: String,
    pub status: String,
    pub actor: String,
    pub deadline: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub result_message: Option<String>,
}

/// A command to queue.
#[derive(Debug, Clone)]
pub struct NewCommand {
    pub client_id: Uuid,
    pub group_id: Uuid,
    pub agent_id: Uuid,
    pub command_type: &'static str,
    pub priority: i32,
    pub target_mode: Option<String>,
    pub target_pool_id: Option<String>,
    pub request_id: String,
    pub actor: String,
    pub pre_state: Value,
    pub deadline: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, agent_id, command_type, priority, target_mode, target_pool_id, request_id, status, actor,
                       deadline, created_at, result_message";

/// Inserts unless the tenant already used the request id; returns the
/// stored command and whether this call created it.
pub async fn insert_once<C: ConnectionTrait>(conn: &C, c: &NewCommand) -> Result<(CommandRow, bool)> {
    let inserted = CommandRow::find_by_statement(sql(format!(
                "INSERT INTO lifecycle.commands (id, client_id, group_id, agent_id, command_type, priority, target_mode,
                    target_pool_id, request_id, actor, pre_state, deadline)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 ON CONFLICT (client_id, request_id) DO NOTHING RETURNING {COLUMNS}"
            ),
            [
                Uuid::now_v7().into(),
                c.client_id.into(),
                c.group_id.into(),
                c.agent_id.into(),
                c.command_type.into(),
                c.priority.into(),
                c.target_mode.clone().into(),
                c.target_pool_id.clone().into(),
                c.request_id.as_str().into(),
                c.actor.as_str().into(),
                c.pre_state.clone().into(),
                c.deadline.into(),
            ],
        ))
        .one(conn)
        .await?;
    if let Some(r) = inserted {
        return Ok((r, true));
    }
    let existing = by_request_id(conn, c.client_id, &c.request_id).await?;
    existing.map(|e| (e, false)).ok_or(crate::error::LifecycleError::NotFound("command"))
}

/// The command a tenant created with this request id.
pub async fn by_request_id<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    request_id: &str,
) -> Result<Option<CommandRow>> {
    Ok(CommandRow::find_by_statement(sql(
        format!("SELECT {COLUMNS} FROM lifecycle.commands WHERE client_id = $1 AND request_id = $2"),
        [client.into(), request_id.into()],
    ))
    .one(conn)
    .await?)
}

/// One command of one agent, locked for update.
pub async fn lock<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    agent: Uuid,
    id: Uuid,
) -> Result<Option<CommandRow>> {
    Ok(CommandRow::find_by_statement(sql(format!(
                "SELECT {COLUMNS} FROM lifecycle.commands WHERE id = $1 AND agent_id = $2 AND client_id = $3 FOR UPDATE"
            ),
            [id.into(), agent.into(), client.into()],
    ))
    .one(conn)
    .await?)
}

/// Open commands of an agent, highest priority first, then oldest.
pub async fn open_for_agent<C: ConnectionTrait>(conn: &C, agent: Uuid) -> Result<Vec<CommandRow>> {
    Ok(CommandRow::find_by_statement(sql(format!(
                "SELECT {COLUMNS} FROM lifecycle.commands
                 WHERE agent_id = $1 AND status IN ('pending', 'delivered') AND (deadline IS NULL OR deadline > now())
                 ORDER BY priority DESC, created_at, id"
            ),
            [agent.into()],
    ))
    .all(conn)
    .await?)
}

/// Moves the pending commands of the agents that ran on `instance` of the
/// group `logical` before `agent` to `agent`; returns how many moved. A v4
/// agent registers anew, with a new id, at every start, and polls only its
/// own id, so a command queued for its previous process (a notice's switch,
/// say) would otherwise never be read (docs/STATE_MACHINE.md, "A restarted
/// agent inherits its pending commands"). Delivered commands stay: the
/// previous process saw them and may have begun carrying them out.
pub async fn adopt_pending<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    logical: &str,
    instance: &str,
    agent: Uuid,
) -> Result<u64> {
    if instance.is_empty() {
        return Ok(0);
    }
    let moved = conn
        .execute_raw(sql(
            "UPDATE lifecycle.commands SET agent_id = $4, version = version + 1
             WHERE status = 'pending' AND client_id = $1 AND agent_id IN (
                 SELECT agent_id FROM lifecycle.agents
                 WHERE client_id = $1 AND logical_agent_id = $2 AND instance_id = $3 AND agent_id <> $4)",
            [client.into(), logical.into(), instance.into(), agent.into()],
        ))
        .await?;
    Ok(moved.rows_affected())
}

/// Marks pending commands delivered (the agent has seen them).
pub async fn mark_delivered<C: ConnectionTrait>(conn: &C, ids: &[Uuid]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    conn.execute_raw(sql(
        "UPDATE lifecycle.commands SET status = 'delivered', delivered_at = now(), version = version + 1
         WHERE id = ANY($1) AND status = 'pending'",
        [ids.to_vec().into()],
    ))
    .await?;
    Ok(())
}

/// Records the result of a command.
pub async fn complete<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    status: &str,
    message: &str,
    post: Value,
) -> Result<()> {
    conn.execute_raw(sql(
        "UPDATE lifecycle.commands SET status = $1, result_message = $2, post_state = $3, completed_at = now(),
            version = version + 1
         WHERE id = $4",
        [status.into(), message.into(), post.into(), id.into()],
    ))
    .await?;
    Ok(())
}

/// A command that stopped being open without running.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct Closed {
    pub id: Uuid,
    pub client_id: Uuid,
    pub group_id: Uuid,
    pub agent_id: Uuid,
    pub previous_status: String,
    pub deadline: Option<DateTime<Utc>>,
    pub request_id: String,
}

/// Open commands whose deadline passed become `expired` (at most `limit` per
/// call). `FOR UPDATE SKIP LOCKED` hands each to exactly one sweeper.
pub async fn expire_due<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>, limit: i64) -> Result<Vec<Closed>> {
    Ok(Closed::find_by_statement(sql(
        "WITH due AS (
                 SELECT id, status FROM lifecycle.commands
                 WHERE status IN ('pending', 'delivered') AND deadline IS NOT NULL AND deadline <= $1
                 ORDER BY deadline LIMIT $2 FOR UPDATE SKIP LOCKED)
             UPDATE lifecycle.commands c SET status = 'expired', expired_at = $1, completed_at = $1,
                 result_message = 'deadline passed before the agent ran it', version = c.version + 1
             FROM due WHERE c.id = due.id
             RETURNING c.id, c.client_id, c.group_id, c.agent_id, due.status AS previous_status, c.deadline,
                 c.request_id",
        [now.into(), limit.into()],
    ))
    .all(conn)
    .await?)
}

/// Open SWITCH commands of `group` other than `newer` become `expired`,
/// superseded by `newer`.
pub async fn supersede_switches<C: ConnectionTrait>(
    conn: &C,
    group: Uuid,
    newer: Uuid,
) -> Result<Vec<Closed>> {
    Ok(Closed::find_by_statement(sql(
        "WITH old AS (
                 SELECT id, status FROM lifecycle.commands
                 WHERE group_id = $1 AND id <> $2 AND command_type = 'SWITCH'
                   AND status IN ('pending', 'delivered') FOR UPDATE)
             UPDATE lifecycle.commands c SET status = 'expired', expired_at = now(), completed_at = now(),
                 superseded_by = $2, result_message = 'superseded by a newer emergency command',
                 version = c.version + 1
             FROM old WHERE c.id = old.id
             RETURNING c.id, c.client_id, c.group_id, c.agent_id, old.status AS previous_status, c.deadline,
                 c.request_id",
        [group.into(), newer.into()],
    ))
    .all(conn)
    .await?)
}
