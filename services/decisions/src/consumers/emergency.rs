//! Emergency events: open notices block automatic switches; a promotion or
//! fallback starts the failover cool-down; a fallback to on-demand marks
//! the group for return to spot; a termination notice after one of our
//! switches counts against it.

use super::{bad, event_name, uuid};
use crate::engine::Engine;
use crate::store::projection;
use prost::Message;
use sea_orm::DatabaseTransaction;
use spot_contracts::v1;
use spot_platform::bus::{Delivery, HandlerError};
use spot_platform::time::occurred_at;

pub async fn apply(
    engine: &Engine,
    txn: &DatabaseTransaction,
    batch: &[&Delivery],
) -> Result<(), HandlerError> {
    let db = HandlerError::from_display;
    let cooldown =
        chrono::Duration::from_std(engine.cfg.failover_cooldown).unwrap_or(chrono::Duration::hours(1));
    for d in batch {
        let (meta, key, kind) = match event_name(d) {
            "notice" => {
                let e = v1::NoticeReceived::decode(d.payload.clone()).map_err(bad(d))?;
                (e.meta, format!("notice:{}", e.notice_id), Some((e.kind, e.pool_id)))
            }
            "notice_changed" => {
                let e = v1::NoticeChanged::decode(d.payload.clone()).map_err(bad(d))?;
                let Some(agent) = e.meta.as_ref().and_then(|m| uuid(&m.agent_id)) else { continue };
                let Some(group) = projection::group_of_agent(txn, agent).await.map_err(db)? else { continue };
                let at = occurred_at(&e.meta);
                let failover = !e.replica_id.is_empty() || !e.fallback.is_empty();
                let to_on_demand = e.fallback == "ondemand" || e.target_mode == "ondemand";
                let key = format!("notice:{}", e.notice_id);
                projection::notice_closed(txn, &key, group, failover, to_on_demand, at, cooldown)
                    .await
                    .map_err(db)?;
                continue;
            }
            _ => continue,
        };
        let Some((kind, pool)) = kind else { continue };
        let Some(agent) = meta.as_ref().and_then(|m| uuid(&m.agent_id)) else { continue };
        let Some(group) = projection::group_of_agent(txn, agent).await.map_err(db)? else { continue };
        let at = occurred_at(&meta);
        let pool = (!pool.is_empty()).then_some(pool.as_str());
        let new = projection::group_event(txn, &key, group, "notice", pool, true, at).await.map_err(db)?;
        if new && kind == "termination" {
            projection::interruption_after_switch(txn, group, at).await.map_err(db)?;
        }
    }
    Ok(())
}
