//! The decision log and the rejected-output log. A decision is inserted
//! once per evaluation key; its command and outcome columns are filled in
//! as lifecycle reports back, and its realised savings as prices arrive.

use super::stmt;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Value as DbValue};
use serde_json::Value;
use spot_platform::store::batch::{chunk_rows, values_placeholders};
use std::collections::HashSet;
use uuid::Uuid;

/// A decision as it is first written. Read back ([`load`]), the fields
/// that hold the service's own constants are filled in from their stored
/// spellings ([`Spellings`]); `input_summary` and `command_status` are not read.
#[derive(Debug, Clone, FromQueryResult)]
pub struct NewDecision {
    pub id: Uuid,
    pub evaluation_key: String,
    pub client_id: Uuid,
    pub group_id: Uuid,
    pub agent_id: Option<Uuid>,
    pub trigger: String,
    pub model_id: Option<Uuid>,
    pub model_name: String,
    pub model_version: String,
    #[sea_orm(skip)]
    pub arm: &'static str,
    pub fallback_reason: Option<String>,
    pub input_digest: String,
    #[sea_orm(skip)]
    pub input_summary: Value,
    #[sea_orm(skip)]
    pub action: &'static str,
    #[sea_orm(skip)]
    pub target_mode: Option<&'static str>,
    pub target_pool_id: Option<String>,
    pub confidence: f64,
    pub reasoning: String,
    pub expected_saving_per_hour: f64,
    pub guardrails: Value,
    pub blocked: bool,
    pub from_mode: Option<String>,
    pub from_pool_id: Option<String>,
    /// `Some("queueing")` when a command is to be queued.
    #[sea_orm(skip)]
    pub command_status: Option<&'static str>,
    pub decided_at: DateTime<Utc>,
}

const DECISION_COLUMNS: &str = "id, evaluation_key, client_id, group_id, agent_id, trigger, model_id, model_name,
    model_version, arm, fallback_reason, input_digest, input_summary, action, target_mode, target_pool_id,
    confidence, reasoning, expected_saving_per_hour, guardrails, blocked, from_mode, from_pool_id, command_status,
    decided_at";
const DECISION_COLUMN_COUNT: usize = 25;

fn decision_values(d: &NewDecision) -> [DbValue; DECISION_COLUMN_COUNT] {
    [
        d.id.into(),
        d.evaluation_key.as_str().into(),
        d.client_id.into(),
        d.group_id.into(),
        d.agent_id.into(),
        d.trigger.as_str().into(),
        d.model_id.into(),
        d.model_name.as_str().into(),
        d.model_version.as_str().into(),
        d.arm.into(),
        d.fallback_reason.clone().into(),
        d.input_digest.as_str().into(),
        d.input_summary.clone().into(),
        d.action.into(),
        d.target_mode.map(str::to_owned).into(),
        d.target_pool_id.clone().into(),
        d.confidence.into(),
        d.reasoning.as_str().into(),
        d.expected_saving_per_hour.into(),
        d.guardrails.clone().into(),
        d.blocked.into(),
        d.from_mode.clone().into(),
        d.from_pool_id.clone().into(),
        d.command_status.map(str::to_owned).into(),
        d.decided_at.into(),
    ]
}

/// Inserts a round's decisions, a few thousand per statement; returns the
/// ids actually written (an evaluation key already decided writes nothing).
pub async fn insert_all<C: ConnectionTrait>(conn: &C, all: &[&NewDecision]) -> Result<HashSet<Uuid>, DbErr> {
    let mut written = HashSet::with_capacity(all.len());
    for chunk in all.chunks(chunk_rows(DECISION_COLUMN_COUNT)) {
        let values: Vec<DbValue> = chunk.iter().flat_map(|d| decision_values(d)).collect();
        let sql = format!(
            "INSERT INTO decisions.decisions ({DECISION_COLUMNS}) VALUES {}
             ON CONFLICT (evaluation_key) DO NOTHING RETURNING id",
            values_placeholders(DECISION_COLUMN_COUNT, chunk.len())
        );
        for row in conn.query_all_raw(stmt(&sql, values)).await? {
            written.insert(row.try_get::<Uuid>("", "id")?);
        }
    }
    Ok(written)
}

/// A decision waiting for lifecycle to take its command.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Queueing {
    pub id: Uuid,
    pub client_id: Uuid,
    pub group_id: Uuid,
    pub agent_id: Option<Uuid>,
    pub target_mode: Option<String>,
    pub target_pool_id: Option<String>,
    pub model: String,
}

/// Decisions still `queueing` (a crash may have interrupted them), oldest first.
pub async fn queueing<C: ConnectionTrait>(
    conn: &C,
    ids: Option<&[Uuid]>,
    decided_before: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Queueing>, DbErr> {
    let ids: Option<Vec<Uuid>> = ids.map(<[Uuid]>::to_vec);
    Queueing::find_by_statement(stmt(
            "SELECT id, client_id, group_id, agent_id, target_mode, target_pool_id, model_name || '@' || model_version AS model
             FROM decisions.decisions WHERE command_status = 'queueing' AND ($1::uuid[] IS NULL OR id = ANY($1))
               AND decided_at < $3
             ORDER BY decided_at LIMIT $2",
            vec![ids.into(), limit.into(), decided_before.into()],
        )).all(conn).await
}

/// Lifecycle took (or refused) the command; returns false when another
/// replica recorded it first.
pub async fn command_result<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    status: &str,
    command_id: Option<Uuid>,
    message: Option<&str>,
) -> Result<bool, DbErr> {
    let r = conn
        .execute_raw(stmt(
            "UPDATE decisions.decisions SET command_status = $2, command_id = COALESCE($3, command_id),
                    execution_message = COALESCE($4, execution_message)
             WHERE id = $1 AND command_status = 'queueing'",
            vec![id.into(), status.into(), command_id.into(), message.map(str::to_owned).into()],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// A guardrail found late (lifecycle already holds a command): the decision
/// did not act after all.
pub async fn block_late<C: ConnectionTrait>(conn: &C, id: Uuid, verdict: Value) -> Result<bool, DbErr> {
    let r = conn
        .execute_raw(stmt(
            "UPDATE decisions.decisions SET command_status = NULL, blocked = true,
                    guardrails = guardrails || jsonb_build_array($2::jsonb)
             WHERE id = $1 AND command_status = 'queueing'",
            vec![id.into(), verdict.into()],
        ))
        .await?;
    Ok(r.rows_affected() == 1)
}

/// What a finished command changes.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Finished {
    pub client_id: Uuid,
    pub group_id: Uuid,
    pub agent_id: Option<Uuid>,
    pub target_pool_id: Option<String>,
}

/// The command of decision `id` finished on the agent.
pub async fn finished<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    status: &str,
    message: &str,
    command_id: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<Option<Finished>, DbErr> {
    Finished::find_by_statement(stmt(
        "UPDATE decisions.decisions SET command_status = $2, execution_message = $3, executed_at = $4,
                    command_id = COALESCE(command_id, $5)
             WHERE id = $1 AND command_status IN ('queueing', 'queued')
             RETURNING client_id, group_id, agent_id, target_pool_id",
        vec![id.into(), status.into(), message.into(), at.into(), command_id.into()],
    ))
    .one(conn)
    .await
}

/// An executed switch whose realised savings are being filled in.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Realising {
    pub id: Uuid,
    pub from_mode: Option<String>,
    pub from_pool_id: Option<String>,
    pub target_mode: Option<String>,
    pub target_pool_id: Option<String>,
    pub executed_at: DateTime<Utc>,
    pub on_demand_price: Option<f64>,
}

/// Switches executed in the last 7 days, with the on-demand price of their type.
pub async fn realising<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>) -> Result<Vec<Realising>, DbErr> {
    Realising::find_by_statement(stmt(
            "SELECT d.id, d.from_mode, d.from_pool_id, d.target_mode, d.target_pool_id, d.executed_at,
                    (SELECT max(p.on_demand_price) FROM decisions.pools p
                      WHERE p.instance_type = g.instance_type) AS on_demand_price
             FROM decisions.decisions d LEFT JOIN decisions.groups g ON g.group_id = d.group_id
             WHERE d.command_status = 'succeeded' AND d.action = 'SWITCH' AND d.executed_at > $1 - interval '7 days'",
            vec![now.into()],
        )).all(conn).await
}

pub async fn set_realised<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    saving: f64,
    hours: f64,
) -> Result<(), DbErr> {
    conn.execute_raw(stmt(
        "UPDATE decisions.decisions SET realised_savings = $2, realised_hours = $3, realised_updated_at = now()
         WHERE id = $1",
        vec![id.into(), saving.into(), hours.into()],
    ))
    .await?;
    Ok(())
}

/// One rejected (or missing) model answer.
#[derive(Debug, Clone)]
pub struct Rejected<'a> {
    pub decision_id: Uuid,
    pub client_id: Uuid,
    pub group_id: Uuid,
    pub model_id: Option<Uuid>,
    pub model_name: &'a str,
    pub model_version: &'a str,
    pub code: &'a str,
    pub reason: &'a str,
    pub raw_output: Option<Value>,
}

pub async fn reject_all<C: ConnectionTrait>(conn: &C, all: &[Rejected<'_>]) -> Result<(), DbErr> {
    const COLUMNS: usize = 10;
    for chunk in all.chunks(chunk_rows(COLUMNS)) {
        let values: Vec<DbValue> = chunk
            .iter()
            .flat_map(|r| -> [DbValue; COLUMNS] {
                [
                    Uuid::now_v7().into(),
                    r.decision_id.into(),
                    r.client_id.into(),
                    r.group_id.into(),
                    r.model_id.into(),
                    r.model_name.into(),
                    r.model_version.into(),
                    r.code.into(),
                    r.reason.into(),
                    r.raw_output.clone().into(),
                ]
            })
            .collect();
        let sql = format!(
            "INSERT INTO decisions.rejected_outputs (id, decision_id, client_id, group_id, model_id, model_name,
                    model_version, code, reason, raw_output)
             VALUES {}",
            values_placeholders(COLUMNS, chunk.len())
        );
        conn.execute_raw(stmt(&sql, values)).await?;
    }
    Ok(())
}

/// A logged decision in the shape it was written (for its event).
pub async fn load<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<Option<NewDecision>, DbErr> {
    let row = conn
        .query_one_raw(stmt(
            "SELECT id, evaluation_key, client_id, group_id, agent_id, trigger, model_id, model_name, model_version,
                    arm, fallback_reason, input_digest, action, target_mode, target_pool_id, confidence, reasoning,
                    expected_saving_per_hour, guardrails, blocked, from_mode, from_pool_id, decided_at
             FROM decisions.decisions WHERE id = $1",
            vec![id.into()],
        ))
        .await?;
    let Some(r) = row else { return Ok(None) };
    let mut decision = NewDecision::from_query_result(&r, "")?;
    let stored = Spellings::from_query_result(&r, "")?;
    decision.arm = if stored.arm == "b" { "b" } else { "a" };
    decision.action =
        spot_domain::decisions::Action::parse(&stored.action).map_or("NO_ACTION", |a| a.as_str());
    decision.target_mode = match stored.target_mode.as_deref() {
        Some("spot") => Some("spot"),
        Some("ondemand") => Some("ondemand"),
        _ => None,
    };
    Ok(Some(decision))
}

/// The stored spellings of a decision's arm, action and target mode.
#[derive(Debug, FromQueryResult)]
struct Spellings {
    arm: String,
    action: String,
    target_mode: Option<String>,
}
