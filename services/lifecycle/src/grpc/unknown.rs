//! gRPC handler of `ListUnknownInstances` (docs/OPERATORS_API.md): parses
//! the filters, reads a page of `store::unknown_instances`, typed rows.

use super::convert::ts;
use super::reports::{paging, uuid};
use crate::error::Result;
use crate::store::unknown_instances::{self as unknown, UnknownInstanceRow};
use sea_orm::DatabaseConnection;
use spot_contracts::v1;

fn message(r: UnknownInstanceRow) -> v1::UnknownInstance {
    v1::UnknownInstance {
        client_id: r.client_id.to_string(),
        group_id: r.group_id.to_string(),
        logical_agent_id: r.logical_agent_id,
        instance_id: r.instance_id,
        reported_by: r.reported_by.to_string(),
        first_seen: Some(ts(r.first_seen)),
        last_seen: Some(ts(r.last_seen)),
    }
}

/// One page of a tenant's (or every tenant's) unknown instances.
pub async fn list(
    db: &DatabaseConnection,
    r: v1::UnknownInstancesRequest,
) -> Result<v1::UnknownInstanceList> {
    let client = uuid(Some(&r.client_id), "client_id")?;
    let group = uuid(r.group_id.as_deref(), "group_id")?;
    let (limit, after) = paging(r.limit, r.after.as_deref())?;
    let (rows, next_cursor) = unknown::page(db, client, group, limit, after).await?;
    Ok(v1::UnknownInstanceList { items: rows.into_iter().map(message).collect(), next_cursor })
}
