//! Operator reads: decisions, the per model/arm summary, rejected outputs.
//! Rows leave as JSON objects built by Postgres (`row_to_json`).

use super::stmt;
use sea_orm::{ConnectionTrait, DbErr};
use uuid::Uuid;

/// Largest page.
pub const MAX_LIMIT: i64 = 500;

async fn json_rows<C: ConnectionTrait>(
    conn: &C,
    sql: &str,
    values: Vec<sea_orm::Value>,
) -> Result<Vec<String>, DbErr> {
    let rows = conn.query_all_raw(stmt(sql, values)).await?;
    rows.iter().map(|r| r.try_get("", "j")).collect()
}

/// One page of a listing: a tenant's rows (every tenant's when `client`
/// is `None`), of one group or all, after the last id of the previous page.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    pub client: Option<Uuid>,
    pub group: Option<Uuid>,
    pub after: Option<Uuid>,
    pub limit: i64,
}

/// `columns` of `table`'s rows on `page`, newest (highest UUIDv7) first.
async fn page<C: ConnectionTrait>(
    conn: &C,
    columns: &str,
    table: &str,
    page: &Page,
) -> Result<Vec<String>, DbErr> {
    let sql = format!(
        "SELECT row_to_json(t)::text AS j FROM (
            SELECT {columns}
            FROM {table}
            WHERE ($1::uuid IS NULL OR client_id = $1) AND ($2::uuid IS NULL OR group_id = $2)
              AND ($3::uuid IS NULL OR id < $3)
            ORDER BY id DESC LIMIT $4) t"
    );
    let values =
        vec![page.client.into(), page.group.into(), page.after.into(), page.limit.clamp(1, MAX_LIMIT).into()];
    json_rows(conn, &sql, values).await
}

/// Decisions, newest first.
pub async fn decisions<C: ConnectionTrait>(conn: &C, on: &Page) -> Result<Vec<String>, DbErr> {
    page(
        conn,
        "id, client_id, group_id, agent_id, trigger, model_name, model_version, arm, fallback_reason,
                   input_digest, input_summary, action, target_mode, target_pool_id, confidence, reasoning,
                   expected_saving_per_hour, guardrails, blocked, from_mode, from_pool_id, command_status, command_id,
                   execution_message, executed_at, realised_savings, realised_hours, interruptions_after, decided_at",
        "decisions.decisions",
        on,
    )
    .await
}

/// Per model, version and arm: decisions, acted, executed, realised
/// savings, interruptions after switches, fallbacks.
pub async fn summary<C: ConnectionTrait>(conn: &C, client: Option<Uuid>) -> Result<Vec<String>, DbErr> {
    json_rows(
        conn,
        "SELECT row_to_json(t)::text AS j FROM (
            SELECT model_name, model_version, arm, count(*) AS decisions,
                   count(*) FILTER (WHERE action = 'SWITCH') AS switches_proposed,
                   count(*) FILTER (WHERE blocked) AS blocked,
                   count(*) FILTER (WHERE command_status IN ('queued', 'succeeded', 'failed')) AS acted,
                   count(*) FILTER (WHERE command_status = 'succeeded') AS executed,
                   count(*) FILTER (WHERE command_status = 'failed') AS failed,
                   count(*) FILTER (WHERE fallback_reason IS NOT NULL) AS fallbacks,
                   coalesce(sum(realised_savings), 0) AS realised_savings,
                   coalesce(sum(realised_hours), 0) AS realised_hours,
                   coalesce(sum(interruptions_after), 0) AS interruptions_after_switch,
                   count(DISTINCT group_id) AS groups
            FROM decisions.decisions WHERE ($1::uuid IS NULL OR client_id = $1)
            GROUP BY model_name, model_version, arm ORDER BY model_name, model_version, arm) t",
        vec![client.into()],
    )
    .await
}

/// Model outputs that failed validation, newest first.
pub async fn rejected<C: ConnectionTrait>(conn: &C, on: &Page) -> Result<Vec<String>, DbErr> {
    page(
        conn,
        "id, decision_id, client_id, group_id, model_id, model_name, model_version, code, reason,
                   raw_output, created_at",
        "decisions.rejected_outputs",
        on,
    )
    .await
}
