//! Read-only reports of the operators' API (docs/OPERATORS_API.md) over
//! what lifecycle already writes: the audit log, cleanup logs, agent health
//! metrics, switch history, one agent's timeline, and counts. Paged reports
//! are newest first with a `(time, id)` keyset cursor; rows are JSON.

use super::sql;
use crate::error::{LifecycleError, Result};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use spot_domain::ops::{Cursor, PageLimit};
use uuid::Uuid;

/// Filters of a report.
#[derive(Debug, Clone, Default)]
pub struct ReportQuery {
    /// `None`: every tenant (the gateway passes none only for the admin token).
    pub client_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Most downtime samples one report returns (a year of a large fleet's switches).
pub const MAX_SAMPLES: i64 = 100_000;

// Every source binds $1 client, $2 agent, $3 group, $4 from, $5 to and
// yields `at`, `id`, `row`.
const WINDOW: &str = "($4::timestamptz IS NULL OR x_at >= $4) AND ($5::timestamptz IS NULL OR x_at < $5)";

fn source(kind: &str) -> Option<String> {
    let inner = match kind {
        "audit" => {
            "SELECT e.created_at AS x_at, e.id, to_jsonb(e) AS row FROM lifecycle.lifecycle_events e
              WHERE ($1::uuid IS NULL OR e.client_id = $1) AND ($2::uuid IS NULL OR e.agent_id = $2)
                AND ($3::uuid IS NULL OR e.group_id = $3)"
        }
        "cleanup_logs" => {
            "SELECT c.created_at AS x_at, c.id, to_jsonb(c) AS row FROM lifecycle.cleanup_logs c
              WHERE ($1::uuid IS NULL OR c.client_id = $1) AND ($2::uuid IS NULL OR c.agent_id = $2)
                AND $3::uuid IS NULL"
        }
        "agent_health" => {
            "SELECT m.recorded_at AS x_at, m.agent_id AS id, to_jsonb(m) AS row
               FROM lifecycle.agent_health_metrics m JOIN lifecycle.agents a ON a.agent_id = m.agent_id
              WHERE ($1::uuid IS NULL OR a.client_id = $1) AND ($2::uuid IS NULL OR m.agent_id = $2)
                AND ($3::uuid IS NULL OR a.group_id = $3)"
        }
        "switches" => {
            "SELECT s.created_at AS x_at, s.id, to_jsonb(s) AS row FROM lifecycle.switches s
              WHERE ($1::uuid IS NULL OR s.client_id = $1) AND ($2::uuid IS NULL OR s.agent_id = $2)
                AND ($3::uuid IS NULL OR s.group_id = $3)"
        }
        // One agent's group, as a timeline: every registration in the group,
        // every audited transition, every switch. Needs $2.
        "agent_history" => {
            "WITH me AS (SELECT group_id, client_id FROM lifecycle.agents
                          WHERE agent_id = $2 AND ($1::uuid IS NULL OR client_id = $1) AND $3::uuid IS NULL)
             SELECT a.registered_at AS x_at, a.agent_id AS id,
                    jsonb_build_object('kind', 'registered', 'agent_id', a.agent_id, 'instance_id', a.instance_id,
                                       'instance_type', a.instance_type, 'az', a.az, 'mode', a.mode,
                                       'agent_version', a.agent_version) AS row
               FROM lifecycle.agents a JOIN me ON a.group_id = me.group_id
             UNION ALL
             SELECT e.created_at, e.id,
                    jsonb_build_object('kind', e.event_type, 'agent_id', e.agent_id, 'pre_state', e.pre_state,
                                       'post_state', e.post_state, 'actor', e.actor, 'request_id', e.request_id)
               FROM lifecycle.lifecycle_events e JOIN me ON e.group_id = me.group_id
             UNION ALL
             SELECT s.created_at, s.id,
                    jsonb_build_object('kind', 'switch', 'agent_id', s.agent_id, 'trigger', s.trigger,
                                       'old_instance_id', s.old_instance_id, 'new_instance_id', s.new_instance_id,
                                       'old_pool_id', s.old_pool_id, 'new_pool_id', s.new_pool_id,
                                       'downtime_seconds', s.downtime_seconds, 'actor', s.actor)
               FROM lifecycle.switches s JOIN me ON s.group_id = me.group_id"
        }
        _ => return None,
    };
    Some(format!("SELECT x.x_at, x.id, x.row FROM ({inner}) x WHERE {WINDOW}"))
}

/// True for the kinds [`page`] serves.
pub fn is_paged(kind: &str) -> bool {
    source(kind).is_some()
}

/// One page of a paged report, newest first, and the next page's cursor.
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    kind: &str,
    q: &ReportQuery,
    limit: PageLimit,
    after: Option<Cursor>,
) -> Result<(Vec<serde_json::Value>, Option<String>)> {
    let inner = source(kind).ok_or_else(|| LifecycleError::invalid(format!("unknown report {kind:?}")))?;
    if kind == "agent_history" && q.agent_id.is_none() {
        return Err(LifecycleError::invalid("agent_history needs agent_id"));
    }
    #[derive(FromQueryResult)]
    struct Row {
        x_at: DateTime<Utc>,
        id: Uuid,
        row: serde_json::Value,
    }
    let (at, id) = Cursor::bounds(after);
    let rows = Row::find_by_statement(sql(
        format!(
            "SELECT * FROM ({inner}) p
              WHERE ($6::timestamptz IS NULL OR (p.x_at, p.id) < ($6, $7::uuid))
              ORDER BY p.x_at DESC, p.id DESC LIMIT $8"
        ),
        [
            q.client_id.into(),
            q.agent_id.into(),
            q.group_id.into(),
            q.from.into(),
            q.to.into(),
            at.into(),
            id.into(),
            (limit.fetch() as i64).into(),
        ],
    ))
    .all(conn)
    .await?;
    let (rows, next) = limit.page(rows, |r| Cursor { at: r.x_at, id: r.id });
    Ok((rows.into_iter().map(|r| r.row).collect(), next))
}

/// Downtime of every switch in the window (seconds), for percentiles.
pub async fn downtime_samples<C: ConnectionTrait>(conn: &C, q: &ReportQuery) -> Result<Vec<f64>> {
    #[derive(FromQueryResult)]
    struct Sample {
        downtime_seconds: f64,
    }
    let rows = Sample::find_by_statement(sql(
        "SELECT downtime_seconds FROM lifecycle.switches
          WHERE ($1::uuid IS NULL OR client_id = $1) AND ($2::uuid IS NULL OR agent_id = $2)
            AND ($3::uuid IS NULL OR group_id = $3)
            AND ($4::timestamptz IS NULL OR created_at >= $4) AND ($5::timestamptz IS NULL OR created_at < $5)
            AND downtime_seconds IS NOT NULL
          ORDER BY created_at DESC LIMIT $6",
        [
            q.client_id.into(),
            q.agent_id.into(),
            q.group_id.into(),
            q.from.into(),
            q.to.into(),
            MAX_SAMPLES.into(),
        ],
    ))
    .all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.downtime_seconds).collect())
}

/// Switches per UTC day in the window: `{day, switches, emergency}`.
pub async fn switches_per_day<C: ConnectionTrait>(
    conn: &C,
    q: &ReportQuery,
) -> Result<Vec<serde_json::Value>> {
    #[derive(FromQueryResult)]
    struct Day {
        row: serde_json::Value,
    }
    let rows = Day::find_by_statement(sql(
        "SELECT jsonb_build_object('day', day, 'switches', n, 'emergency', e) AS row FROM (
            SELECT (created_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n,
                   count(*) FILTER (WHERE trigger = 'emergency') AS e
              FROM lifecycle.switches
             WHERE ($1::uuid IS NULL OR client_id = $1) AND ($2::uuid IS NULL OR agent_id = $2)
               AND ($3::uuid IS NULL OR group_id = $3)
               AND ($4::timestamptz IS NULL OR created_at >= $4) AND ($5::timestamptz IS NULL OR created_at < $5)
             GROUP BY 1) d ORDER BY day",
        [q.client_id.into(), q.agent_id.into(), q.group_id.into(), q.from.into(), q.to.into()],
    ))
    .all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.row).collect())
}

/// Fleet counts of a tenant (or all): live agents (the newest registration
/// of every instance that is not TERMINATED), how many are online, live
/// instances, groups, and switches in the window (all / emergency).
pub async fn counts<C: ConnectionTrait>(conn: &C, q: &ReportQuery) -> Result<serde_json::Value> {
    #[derive(FromQueryResult)]
    struct Row {
        row: serde_json::Value,
    }
    let row = Row::find_by_statement(sql(
        "WITH live AS (
            SELECT a.status FROM lifecycle.agents a
              LEFT JOIN lifecycle.instances i ON i.group_id = a.group_id AND i.instance_id = a.instance_id
             WHERE ($1::uuid IS NULL OR a.client_id = $1) AND COALESCE(i.role, '') <> 'TERMINATED'
               AND a.deleted_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM lifecycle.agents n WHERE n.group_id = a.group_id
                                 AND n.instance_id = a.instance_id AND n.registered_at > a.registered_at))
         SELECT jsonb_build_object(
            'agents', (SELECT count(*) FROM live),
            'agents_online', (SELECT count(*) FROM live WHERE status = 'online'),
            'groups', (SELECT count(*) FROM lifecycle.groups WHERE $1::uuid IS NULL OR client_id = $1),
            'instances_live', (SELECT count(*) FROM lifecycle.instances i JOIN lifecycle.groups g ON g.id = i.group_id
                                WHERE ($1::uuid IS NULL OR g.client_id = $1) AND i.role IN ('PRIMARY', 'REPLICA')),
            'switches_total', (SELECT count(*) FROM lifecycle.switches WHERE $1::uuid IS NULL OR client_id = $1),
            'switches', (SELECT count(*) FROM lifecycle.switches WHERE ($1::uuid IS NULL OR client_id = $1)
                          AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3)),
            'emergency_switches', (SELECT count(*) FROM lifecycle.switches WHERE ($1::uuid IS NULL OR client_id = $1)
                          AND trigger = 'emergency'
                          AND ($2::timestamptz IS NULL OR created_at >= $2) AND ($3::timestamptz IS NULL OR created_at < $3))
         ) AS row",
        [q.client_id.into(), q.from.into(), q.to.into()],
    ))
    .one(conn)
    .await?;
    Ok(row.map(|r| r.row).unwrap_or_default())
}
