//! Applying a folded batch of heartbeats with one statement.

use super::sql;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use spot_domain::{AgentStatus, ReportedStatus};
use uuid::Uuid;

/// The newest heartbeat of one agent in a batch, plus how many were folded.
#[derive(Debug, Clone)]
pub struct HeartbeatUpdate {
    pub agent_id: Uuid,
    pub received_at: DateTime<Utc>,
    pub sequence: i64,
    pub count: i64,
    pub reported_status: ReportedStatus,
    pub status: AgentStatus,
    /// Empty when the heartbeat did not say (shutdown form).
    pub instance_id: String,
    pub instance_type: String,
    pub az: String,
    pub mode: String,
    /// Comma-free instance ids, joined with `,` for the array transport.
    pub monitored_instances: Vec<String>,
}

/// An agent whose connectivity status changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub agent_id: Uuid,
    pub client_id: Uuid,
    pub previous: AgentStatus,
    pub current: AgentStatus,
}

/// What the update returns per agent.
#[derive(Debug, FromQueryResult)]
struct Applied {
    agent_id: Uuid,
    client_id: Uuid,
    old_status: AgentStatus,
    status: AgentStatus,
}

/// Applies the updates: counts always add up, the other fields only move
/// forward (newest `(received_at, sequence)` wins), so a redelivered older
/// heartbeat never overwrites a newer one. Returns status changes.
///
/// The `agent_id = ANY($1)` condition repeats the join on purpose: it lets
/// the planner probe the primary key for each agent of the batch instead of
/// hashing the whole agents table (it cannot see how many rows `unnest`
/// yields in a generic plan). The update then joins only the locked rows
/// (`cur`, which carries the heartbeat's fields), one probe per agent: an
/// `ANY` there, or a join back to `hb`, costs batch x batch.
pub async fn apply<C: ConnectionTrait>(
    conn: &C,
    updates: &[HeartbeatUpdate],
) -> Result<Vec<StatusChange>, DbErr> {
    if updates.is_empty() {
        return Ok(Vec::new());
    }
    let col = |f: &dyn Fn(&HeartbeatUpdate) -> String| updates.iter().map(f).collect::<Vec<String>>();
    let ids: Vec<Uuid> = updates.iter().map(|u| u.agent_id).collect();
    let at: Vec<DateTime<Utc>> = updates.iter().map(|u| u.received_at).collect();
    let seq: Vec<i64> = updates.iter().map(|u| u.sequence).collect();
    let count: Vec<i64> = updates.iter().map(|u| u.count).collect();
    // Arrays of arrays are awkward to bind; monitored instances travel as one
    // text per agent, split on the server. Instance ids never contain a comma.
    let monitored = col(&|u| u.monitored_instances.join(","));
    let update = "
        WITH hb AS (
            SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
                                 $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
              AS t(agent_id, received_at, seq, cnt, reported_status, status, instance_id, instance_type, az, mode,
                   monitored)
        ), cur AS (
            SELECT a.agent_id, a.client_id, a.status AS old_status,
                   (hb.received_at, hb.seq) > (COALESCE(a.last_heartbeat_at, '-infinity'), a.last_heartbeat_seq) AS newer,
                   hb.received_at, hb.seq, hb.cnt, hb.reported_status, hb.status AS new_status, hb.instance_id,
                   hb.instance_type, hb.az, hb.mode, hb.monitored
            FROM lifecycle.agents a JOIN hb ON hb.agent_id = a.agent_id
            WHERE a.agent_id = ANY($1::uuid[])
            FOR UPDATE OF a
        )
        UPDATE lifecycle.agents a SET
            heartbeat_count     = a.heartbeat_count + cur.cnt,
            last_heartbeat_at   = CASE WHEN cur.newer THEN cur.received_at ELSE a.last_heartbeat_at END,
            last_heartbeat_seq  = CASE WHEN cur.newer THEN cur.seq ELSE a.last_heartbeat_seq END,
            status              = CASE WHEN cur.newer THEN cur.new_status ELSE a.status END,
            reported_status     = CASE WHEN cur.newer THEN cur.reported_status ELSE a.reported_status END,
            instance_id         = CASE WHEN cur.newer AND cur.instance_id <> '' THEN cur.instance_id ELSE a.instance_id END,
            instance_type       = CASE WHEN cur.newer AND cur.instance_type <> '' THEN cur.instance_type ELSE a.instance_type END,
            az                  = CASE WHEN cur.newer AND cur.az <> '' THEN cur.az ELSE a.az END,
            mode                = CASE WHEN cur.newer AND cur.mode <> '' THEN cur.mode ELSE a.mode END,
            monitored_instances = CASE WHEN cur.newer
                                       THEN COALESCE(string_to_array(NULLIF(cur.monitored, ''), ','), '{}')
                                       ELSE a.monitored_instances END,
            updated_at          = now()
        FROM cur
        WHERE a.agent_id = cur.agent_id
        RETURNING a.agent_id, cur.client_id, cur.old_status, a.status";
    let rows = Applied::find_by_statement(sql(
        update,
        [
            ids.into(),
            at.into(),
            seq.into(),
            count.into(),
            col(&|u| u.reported_status.as_str().to_owned()).into(),
            col(&|u| u.status.as_str().to_owned()).into(),
            col(&|u| u.instance_id.clone()).into(),
            col(&|u| u.instance_type.clone()).into(),
            col(&|u| u.az.clone()).into(),
            col(&|u| u.mode.clone()).into(),
            monitored.into(),
        ],
    ))
    .all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.old_status != r.status)
        .map(|r| StatusChange {
            agent_id: r.agent_id,
            client_id: r.client_id,
            previous: r.old_status,
            current: r.status,
        })
        .collect())
}

/// Health metrics a newer agent sent with a heartbeat.
#[derive(Debug, Clone)]
pub struct HealthSample {
    pub agent_id: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub cpu_usage: Option<f64>,
    pub memory_usage: Option<f64>,
    pub heartbeat_latency_ms: Option<f64>,
    pub error_count: Option<i64>,
}

/// Stores samples, skipping agents on ZOMBIE or TERMINATED instances
/// (their reports feed no metrics). Missing values travel as NaN / -1 and
/// become NULL, since arrays of nullable values do not bind.
pub async fn record_health<C: ConnectionTrait>(conn: &C, samples: &[HealthSample]) -> Result<(), DbErr> {
    if samples.is_empty() {
        return Ok(());
    }
    let f = |g: &dyn Fn(&HealthSample) -> Option<f64>| {
        samples.iter().map(|s| g(s).unwrap_or(f64::NAN)).collect::<Vec<f64>>()
    };
    conn.execute_raw(sql(
        "INSERT INTO lifecycle.agent_health_metrics
            (agent_id, recorded_at, cpu_usage, memory_usage, heartbeat_latency_ms, error_count)
         SELECT t.agent_id, t.at, NULLIF(t.cpu, 'NaN'), NULLIF(t.mem, 'NaN'), NULLIF(t.lat, 'NaN'), NULLIF(t.err, -1)
         FROM unnest($1::uuid[], $2::timestamptz[], $3::float8[], $4::float8[], $5::float8[], $6::bigint[])
              AS t(agent_id, at, cpu, mem, lat, err)
         WHERE NOT EXISTS (
             SELECT 1 FROM lifecycle.agents a
             JOIN lifecycle.instances i ON i.group_id = a.group_id AND i.instance_id = a.instance_id
             WHERE a.agent_id = t.agent_id AND i.role IN ('ZOMBIE', 'TERMINATED'))
         ON CONFLICT DO NOTHING",
        [
            samples.iter().map(|s| s.agent_id).collect::<Vec<_>>().into(),
            samples.iter().map(|s| s.recorded_at).collect::<Vec<_>>().into(),
            f(&|s| s.cpu_usage).into(),
            f(&|s| s.memory_usage).into(),
            f(&|s| s.heartbeat_latency_ms).into(),
            samples.iter().map(|s| s.error_count.unwrap_or(-1)).collect::<Vec<i64>>().into(),
        ],
    ))
    .await?;
    Ok(())
}
