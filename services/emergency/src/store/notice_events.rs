//! A tenant's notices as operators read them (docs/OPERATORS_API.md,
//! "Emergency events"): newest first, keyset-paged, with the latency from
//! receiving the notice to the action (decision, replica ready, promotion).

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use spot_domain::ops::{Cursor, PageLimit};
use spot_platform::store::sql;
use uuid::Uuid;

/// One page of notices and the next page's cursor.
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    client: Uuid,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    limit: PageLimit,
    after: Option<Cursor>,
) -> Result<(Vec<serde_json::Value>, Option<String>), DbErr> {
    #[derive(FromQueryResult)]
    struct Row {
        received_at: DateTime<Utc>,
        id: Uuid,
        row: serde_json::Value,
    }
    let (at, id) = Cursor::bounds(after);
    let rows = Row::find_by_statement(sql("SELECT n.received_at, n.id, jsonb_build_object(
                'id', n.id, 'agent_id', n.agent_id, 'group_id', n.group_id, 'instance_id', n.instance_id,
                'kind', n.kind, 'status', n.status, 'action', n.action, 'policy', n.policy,
                'notice_time', n.notice_time, 'received_at', n.received_at, 'deadline', n.deadline,
                'decided_at', n.decided_at, 'replica_ready_at', n.replica_ready_at,
                'promoted_at', n.promoted_at, 'finished_at', n.finished_at,
                'notice_to_action_ms', n.decision_ms, 'replica_ready_ms', n.replica_ready_ms,
                'promoted_ms', n.promoted_ms, 'deadline_margin_ms', n.deadline_margin_ms,
                'deadline_missed', n.deadline_missed, 'fallback', n.fallback, 'reason', n.reason) AS row
           FROM emergency.notices n
          WHERE n.client_id = $1
            AND ($2::timestamptz IS NULL OR n.received_at >= $2) AND ($3::timestamptz IS NULL OR n.received_at < $3)
            AND ($4::timestamptz IS NULL OR (n.received_at, n.id) < ($4, $5::uuid))
          ORDER BY n.received_at DESC, n.id DESC LIMIT $6",
        [client.into(), from.into(), to.into(), at.into(), id.into(), (limit.fetch() as i64).into()],
    ))
    .all(conn)
    .await?;
    let (rows, next) = limit.page(rows, |r| Cursor { at: r.received_at, id: r.id });
    Ok((rows.into_iter().map(|r| r.row).collect(), next))
}
