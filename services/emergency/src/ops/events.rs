//! Events the emergency service publishes through its outbox.

use super::ts;
use crate::store::notices::NoticeRow;
use spot_contracts::v1;
use uuid::Uuid;

fn meta(n: &NoticeRow) -> v1::EventMeta {
    v1::EventMeta {
        event_id: Uuid::now_v7().to_string(),
        occurred_at: Some(spot_contracts::Timestamp::from(std::time::SystemTime::now())),
        client_id: n.client_id.to_string(),
        agent_id: n.agent_id.to_string(),
        producer: crate::NAME.to_owned(),
        request_id: String::new(),
    }
}

/// A notice seen for the first time, with what was decided.
pub fn received(n: &NoticeRow) -> v1::NoticeReceived {
    v1::NoticeReceived {
        meta: Some(meta(n)),
        notice_id: n.id.to_string(),
        kind: n.kind.clone(),
        instance_id: n.instance_id.clone(),
        pool_id: n.pool_id.clone().unwrap_or_default(),
        notice_time: Some(ts(n.notice_time)),
        deadline: n.deadline.map(ts),
        action: n.action.clone(),
        target_pool_id: n.target_pool_id.clone().unwrap_or_default(),
    }
}

/// A notice resolved or failed.
pub fn changed(n: &NoticeRow) -> v1::NoticeChanged {
    let timeline = spot_domain::emergency::Timeline::from_instants(
        n.received_at,
        n.decided_at,
        n.replica_ready_at,
        n.promoted_at,
        n.deadline,
    );
    v1::NoticeChanged {
        meta: Some(meta(n)),
        notice_id: n.id.to_string(),
        kind: n.kind.clone(),
        instance_id: n.instance_id.clone(),
        status: n.status.clone(),
        reason: n.reason.clone(),
        replica_id: n.replica_id.map(|r| r.to_string()).unwrap_or_default(),
        target_pool_id: n.target_pool_id.clone().unwrap_or_default(),
        target_mode: n.target_mode.clone().unwrap_or_default(),
        notice_to_promoted_ms: timeline.promoted_ms,
        deadline_margin_ms: timeline.deadline_margin_ms,
        fallback: n.fallback.clone(),
        chain_exhausted: n.fallback == super::deadline::EXHAUSTED,
    }
}

/// The group fell back to on-demand and should return to spot.
pub fn return_to_spot(n: &NoticeRow, reason: &str) -> v1::ReturnToSpotMarked {
    v1::ReturnToSpotMarked {
        meta: Some(meta(n)),
        group_id: n.group_id.map(|g| g.to_string()).unwrap_or_default(),
        notice_id: n.id.to_string(),
        instance_id: n.instance_id.clone(),
        reason: reason.to_owned(),
    }
}
