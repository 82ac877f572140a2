//! Operator listings: keyset pagination on time-ordered UUID ids, one
//! statement per kind, rows returned as JSON objects.

use super::sql;
use crate::error::{LifecycleError, Result};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

/// Filters of a listing.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub client_id: Uuid,
    pub limit: i64,
    pub after: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub role: Option<String>,
    pub status: Option<String>,
}

/// Largest page.
pub const MAX_LIMIT: i64 = 500;

/// `(inner select producing id + columns, whether it filters group/agent/role/status)`.
fn source(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "groups" => {
            "SELECT g.id, g.logical_agent_id, g.auto_switch, g.manual_replica, g.auto_terminate, g.terminate_wait_seconds,
                    g.min_savings_percent, g.max_switches_per_week, g.min_pool_duration_hours, g.availability_target_percent, g.version, g.created_at,
                    (SELECT instance_id FROM lifecycle.instances i WHERE i.group_id = g.id AND i.role = 'PRIMARY') AS primary_instance_id,
                    g.id AS group_id, NULL::uuid AS agent_id, NULL::text AS role, NULL::text AS status
             FROM lifecycle.groups g WHERE g.client_id = $1"
        }
        "agents" => {
            "SELECT a.agent_id AS id, a.logical_agent_id, a.instance_id, a.instance_type, a.az, a.mode, a.status,
                    a.agent_version, a.last_heartbeat_at, a.heartbeat_count, a.registered_at, a.monitored_instances,
                    i.role, (i.role = 'PRIMARY') AS enabled, a.group_id, a.agent_id
             FROM lifecycle.agents a
             LEFT JOIN lifecycle.instances i ON i.group_id = a.group_id AND i.instance_id = a.instance_id
             WHERE a.client_id = $1 AND a.deleted_at IS NULL"
        }
        "instances" => {
            "SELECT i.id, i.group_id, g.logical_agent_id, i.instance_id, i.role, i.instance_type, i.az, i.mode, i.pool_id,
                    i.version, i.role_changed_at, i.missing_since, i.created_at, NULL::uuid AS agent_id, NULL::text AS status
             FROM lifecycle.instances i JOIN lifecycle.groups g ON g.id = i.group_id WHERE g.client_id = $1"
        }
        "replicas" => {
            "SELECT r.id, r.group_id, r.agent_id, r.instance_id, r.replica_type, r.parent_instance_id, r.pool_id, r.status,
                    r.boot_seconds, r.launched_at, r.ready_at, r.created_at, NULL::text AS role
             FROM lifecycle.replicas r JOIN lifecycle.groups g ON g.id = r.group_id WHERE g.client_id = $1"
        }
        "commands" => {
            "SELECT c.id, c.group_id, c.agent_id, c.command_type, c.priority, c.target_mode, c.target_pool_id, c.request_id,
                    c.status, c.actor, c.pre_state, c.post_state, c.deadline, c.result_message, c.created_at,
                    c.delivered_at, c.completed_at, NULL::text AS role
             FROM lifecycle.commands c WHERE c.client_id = $1"
        }
        "switches" => {
            "SELECT s.*, NULL::text AS role, NULL::text AS status FROM lifecycle.switches s WHERE s.client_id = $1"
        }
        _ => return None,
    })
}

/// One page of `kind` and the cursor of the next page.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    q: &ListQuery,
) -> Result<(Vec<serde_json::Value>, Option<String>)> {
    let inner = source(kind).ok_or_else(|| {
        LifecycleError::invalid(format!(
            "unknown listing {kind:?}: groups, agents, instances, replicas, commands, switches"
        ))
    })?;
    let limit = q.limit.clamp(1, MAX_LIMIT);
    let page = format!(
        "SELECT to_jsonb(x) AS row, x.id FROM ({inner}) x
         WHERE ($2::uuid IS NULL OR x.id > $2)
           AND ($3::uuid IS NULL OR x.group_id = $3)
           AND ($4::uuid IS NULL OR x.agent_id = $4)
           AND ($5::text IS NULL OR x.role = $5)
           AND ($6::text IS NULL OR x.status = $6)
         ORDER BY x.id LIMIT $7"
    );
    #[derive(FromQueryResult)]
    struct Listed {
        row: serde_json::Value,
        id: Uuid,
    }
    let rows = Listed::find_by_statement(sql(
        page,
        [
            q.client_id.into(),
            q.after.into(),
            q.group_id.into(),
            q.agent_id.into(),
            q.role.clone().into(),
            q.status.clone().into(),
            (limit + 1).into(),
        ],
    ))
    .all(conn)
    .await?;
    let (mut items, ids): (Vec<serde_json::Value>, Vec<Uuid>) =
        rows.into_iter().map(|r| (r.row, r.id)).unzip();
    let next = if items.len() as i64 > limit {
        items.truncate(limit as usize);
        ids.get(limit as usize - 1).map(Uuid::to_string)
    } else {
        None
    };
    Ok((items, next))
}
