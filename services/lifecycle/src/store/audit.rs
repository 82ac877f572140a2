//! The audit log (docs/STATE_MACHINE.md, invariant 8): one row per transition with type,
//! pre-state, post-state, actor, request id and trace id.

use super::sql;
use crate::error::Result;
use sea_orm::ConnectionTrait;
use serde_json::Value;
use uuid::Uuid;

/// One audit row.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub client_id: Uuid,
    pub group_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub event_type: &'a str,
    pub pre_state: Option<Value>,
    pub post_state: Option<Value>,
    pub actor: &'a str,
    pub request_id: Option<&'a str>,
}

/// Inserts the row in the caller's transaction.
pub async fn record<C: ConnectionTrait>(conn: &C, e: &AuditEntry<'_>) -> Result<()> {
    conn.execute_raw(sql(
        "INSERT INTO lifecycle.lifecycle_events
            (id, client_id, group_id, agent_id, event_type, pre_state, post_state, actor, request_id, trace_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        [
            Uuid::now_v7().into(),
            e.client_id.into(),
            e.group_id.into(),
            e.agent_id.into(),
            e.event_type.into(),
            e.pre_state.clone().into(),
            e.post_state.clone().into(),
            e.actor.into(),
            e.request_id.filter(|r| !r.is_empty()).map(str::to_owned).into(),
            spot_platform::telemetry::current_trace_id().into(),
        ],
    ))
    .await?;
    Ok(())
}
