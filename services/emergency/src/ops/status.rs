//! Answers for repeats and status reads, from the stored notice.

use super::ts;
use crate::store::notices::NoticeRow;
use crate::store::timeline::Step;
use spot_contracts::v1;

/// What a repeated call about `n` gets: never a second replica instruction.
pub fn answer(n: &NoticeRow, first: bool, create_emergency_replica: bool) -> v1::NoticeAnswer {
    let action = match (n.status.as_str(), n.action.as_str()) {
        ("resolved", _) if n.replica_id.is_some() => "promoted".to_owned(),
        ("resolved", a) if !a.is_empty() => a.to_owned(),
        ("resolved", _) => "promoted".to_owned(),
        ("failed", _) => "failed".to_owned(),
        ("promoting", _) => "promoting".to_owned(),
        ("detected", _) => "handling".to_owned(),
        (_, "create_replica" | "same_pool_replica") if !first => "waiting_for_replica".to_owned(),
        (_, "switch") if !first && n.kind == "termination" => "waiting_for_switch".to_owned(),
        (_, a) => a.to_owned(),
    };
    v1::NoticeAnswer {
        notice_id: n.id.to_string(),
        first,
        create_emergency_replica,
        action,
        status: n.status.clone(),
        target_mode: n.target_mode.clone().unwrap_or_default(),
        target_pool_id: n.target_pool_id.clone().unwrap_or_default(),
        deadline: n.deadline.map(ts),
        replica_id: n.replica_id.map(|r| r.to_string()).unwrap_or_default(),
        reason: n.reason.clone(),
        risk_score: n.risk_score,
    }
}

/// `GET emergency-status`: the newest notice of the agent, its timeline,
/// and whether its group waits to return to spot.
pub fn record(
    n: Option<&NoticeRow>,
    replica_status: &str,
    steps: &[Step],
    return_to_spot: bool,
) -> v1::EmergencyStatusRecord {
    let Some(n) = n else { return v1::EmergencyStatusRecord { return_to_spot, ..Default::default() } };
    v1::EmergencyStatusRecord {
        has_notice: true,
        notice_id: n.id.to_string(),
        kind: n.kind.clone(),
        status: n.status.clone(),
        instance_id: n.instance_id.clone(),
        notice_time: Some(ts(n.notice_time)),
        deadline: n.deadline.map(ts),
        action: n.action.clone(),
        target_pool_id: n.target_pool_id.clone().unwrap_or_default(),
        replica_id: n.replica_id.map(|r| r.to_string()).unwrap_or_default(),
        replica_status: replica_status.to_owned(),
        reason: n.reason.clone(),
        return_to_spot,
        steps: steps
            .iter()
            .map(|s| v1::NoticeStep {
                at: Some(ts(s.at)),
                step: s.step.clone(),
                target_mode: s.target_mode.clone().unwrap_or_default(),
                target_pool_id: s.target_pool_id.clone().unwrap_or_default(),
                command_id: s.command_id.map(|c| c.to_string()).unwrap_or_default(),
                reason: s.reason.clone(),
            })
            .collect(),
    }
}
