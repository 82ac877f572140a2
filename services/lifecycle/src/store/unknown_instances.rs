//! Reads of `unknown_instances`, which inventory reconciliation writes
//! (`jobs::inventory`): instances a group's PRIMARY agent monitors that we
//! never registered. Newest first by `first_seen` (which a refresh never
//! moves, so pages stay put while the job runs); the row's id for the
//! keyset cursor is derived from its key, `md5(group_id/instance_id)`.
//! docs/OPERATORS_API.md, "Reading what is written".

use super::sql;
use crate::error::Result;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use spot_domain::ops::{Cursor, PageLimit};
use uuid::Uuid;

/// One unknown instance with its group's tenant and logical agent id.
#[derive(Debug, Clone, FromQueryResult)]
pub struct UnknownInstanceRow {
    pub row_key: Uuid,
    pub client_id: Uuid,
    pub group_id: Uuid,
    pub logical_agent_id: String,
    pub instance_id: String,
    pub reported_by: Uuid,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

/// One page, newest first, and the next page's cursor. `client: None` reads
/// every tenant (the gateway passes none only for the admin token).
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    client: Option<Uuid>,
    group: Option<Uuid>,
    limit: PageLimit,
    after: Option<Cursor>,
) -> Result<(Vec<UnknownInstanceRow>, Option<String>)> {
    let (at, id) = Cursor::bounds(after);
    let rows = UnknownInstanceRow::find_by_statement(sql(
        "SELECT * FROM (
            SELECT md5(u.group_id::text || '/' || u.instance_id)::uuid AS row_key, g.client_id, u.group_id,
                   g.logical_agent_id, u.instance_id, u.reported_by, u.first_seen, u.last_seen
              FROM lifecycle.unknown_instances u JOIN lifecycle.groups g ON g.id = u.group_id
             WHERE ($1::uuid IS NULL OR g.client_id = $1) AND ($2::uuid IS NULL OR u.group_id = $2)) p
          WHERE ($3::timestamptz IS NULL OR (p.first_seen, p.row_key) < ($3, $4::uuid))
          ORDER BY p.first_seen DESC, p.row_key DESC LIMIT $5",
        [client.into(), group.into(), at.into(), id.into(), (limit.fetch() as i64).into()],
    ))
    .all(conn)
    .await?;
    Ok(limit.page(rows, |r| Cursor { at: r.first_seen, id: r.row_key }))
}
