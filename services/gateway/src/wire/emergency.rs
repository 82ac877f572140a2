//! Notice calls: v4 termination-imminent and rebalance-recommendation
//! (agent-protocol.md calls 8 and 9), the v4-defined create-emergency-replica,
//! and the newer termination-notice / rebalance-notice / emergency-status.

use super::non_empty;
use serde::{Deserialize, Serialize};
use spot_contracts::v1;

/// v4 `termination-imminent` (also `create-emergency-replica`).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct TerminationImminent {
    pub instance_id: Option<String>,
    /// From IMDS, e.g. `2026-11-22T10:34:16Z`.
    pub termination_time: Option<String>,
    /// Naive UTC.
    pub detected_at: Option<String>,
}

/// v4 `rebalance-recommendation`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RebalanceRecommendation {
    pub instance_id: Option<String>,
    pub detected_at: Option<String>,
}

/// Newer `termination-notice`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct TerminationNotice {
    pub termination_time: Option<String>,
    pub instance_id: Option<String>,
    pub request_id: Option<String>,
}

/// Newer `rebalance-notice`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RebalanceNotice {
    pub notice_time: Option<String>,
    pub instance_id: Option<String>,
    pub request_id: Option<String>,
}

/// `PUT emergency-policy`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PolicyBody {
    /// monitor | prespin | switch
    pub policy: Option<String>,
}

fn iso(t: &Option<spot_contracts::Timestamp>) -> Option<String> {
    spot_platform::time::from_wire_opt(t).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// v4 reads `create_emergency_replica`; the rest reports progress.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TerminationAnswer {
    pub create_emergency_replica: bool,
    pub action: String,
    pub status: String,
    pub target_mode: Option<String>,
    pub target_pool_id: Option<String>,
    pub deadline: Option<String>,
    pub replica_id: Option<String>,
    pub notice_id: String,
    pub reason: String,
}

impl From<&v1::NoticeAnswer> for TerminationAnswer {
    fn from(a: &v1::NoticeAnswer) -> Self {
        Self {
            create_emergency_replica: a.create_emergency_replica,
            action: a.action.clone(),
            status: a.status.clone(),
            target_mode: non_empty(&a.target_mode),
            target_pool_id: non_empty(&a.target_pool_id),
            deadline: iso(&a.deadline),
            replica_id: non_empty(&a.replica_id),
            notice_id: a.notice_id.clone(),
            reason: a.reason.clone(),
        }
    }
}

/// v4 reads `action` (switch | monitor) and the target.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RebalanceAnswer {
    pub action: String,
    pub target_mode: Option<String>,
    pub target_pool_id: Option<String>,
    pub reason: String,
    pub risk_score: Option<f64>,
    pub notice_id: String,
}

impl From<&v1::NoticeAnswer> for RebalanceAnswer {
    fn from(a: &v1::NoticeAnswer) -> Self {
        // v4 knows only switch and monitor: anything else is monitoring to it.
        let action = if a.action == "switch" { "switch" } else { "monitor" };
        Self {
            action: action.to_owned(),
            target_mode: non_empty(&a.target_mode),
            target_pool_id: non_empty(&a.target_pool_id),
            reason: a.reason.clone(),
            risk_score: a.risk_score,
            notice_id: a.notice_id.clone(),
        }
    }
}

/// Newer agents: `{status: "acknowledged", emergency_replica_id, action}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Acknowledged {
    pub status: &'static str,
    pub emergency_replica_id: Option<String>,
    pub action: String,
    pub notice_id: String,
    pub notice_status: String,
    pub target_mode: Option<String>,
    pub target_pool_id: Option<String>,
    pub deadline: Option<String>,
    pub risk_score: Option<f64>,
    pub reason: String,
}

impl From<&v1::NoticeAnswer> for Acknowledged {
    fn from(a: &v1::NoticeAnswer) -> Self {
        Self {
            status: "acknowledged",
            emergency_replica_id: non_empty(&a.replica_id),
            action: a.action.clone(),
            notice_id: a.notice_id.clone(),
            notice_status: a.status.clone(),
            target_mode: non_empty(&a.target_mode),
            target_pool_id: non_empty(&a.target_pool_id),
            deadline: iso(&a.deadline),
            risk_score: a.risk_score,
            reason: a.reason.clone(),
        }
    }
}

/// `GET emergency-status`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EmergencyStatus {
    pub has_notice: bool,
    pub notice_id: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub instance_id: Option<String>,
    pub notice_time: Option<String>,
    pub deadline: Option<String>,
    pub action: Option<String>,
    pub target_pool_id: Option<String>,
    pub emergency_replica_id: Option<String>,
    pub replica_status: Option<String>,
    pub reason: Option<String>,
    /// The group fell back to on-demand and waits to return to spot.
    pub return_to_spot: bool,
    /// The notice's placement steps (first choice, escalation, fallbacks).
    pub steps: Vec<NoticeStep>,
}

/// One step on a notice's timeline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NoticeStep {
    pub at: Option<String>,
    pub step: String,
    pub target_mode: Option<String>,
    pub target_pool_id: Option<String>,
    pub command_id: Option<String>,
    pub reason: String,
}

impl From<&v1::EmergencyStatusRecord> for EmergencyStatus {
    fn from(r: &v1::EmergencyStatusRecord) -> Self {
        Self {
            has_notice: r.has_notice,
            notice_id: non_empty(&r.notice_id),
            kind: non_empty(&r.kind),
            status: non_empty(&r.status),
            instance_id: non_empty(&r.instance_id),
            notice_time: iso(&r.notice_time),
            deadline: iso(&r.deadline),
            action: non_empty(&r.action),
            target_pool_id: non_empty(&r.target_pool_id),
            emergency_replica_id: non_empty(&r.replica_id),
            replica_status: non_empty(&r.replica_status),
            reason: non_empty(&r.reason),
            return_to_spot: r.return_to_spot,
            steps: r
                .steps
                .iter()
                .map(|s| NoticeStep {
                    at: iso(&s.at),
                    step: s.step.clone(),
                    target_mode: non_empty(&s.target_mode),
                    target_pool_id: non_empty(&s.target_pool_id),
                    command_id: non_empty(&s.command_id),
                    reason: s.reason.clone(),
                })
                .collect(),
        }
    }
}
