//! A rebalance recommendation: score the pool, apply the group's policy
//! (monitor, prespin or switch) through the pure `decide_rebalance`, record
//! it once per instance while it stands (v4 re-sends every 30 s). For v4,
//! `switch` is one priority-75 switch command (v4 only logs the answer).

use super::{Emergency, events, status, uuid};
use crate::error::{EmergencyError, Result};
use crate::store::notices::{self, Decision, NewNotice, NoticeRow};
use crate::store::{policies, projection, risk, timeline};
use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;
use spot_contracts::v1;
use spot_domain::emergency::{
    Effect, NoticeKind, RebalanceFacts, RebalancePolicy, decide_rebalance, fallback_risk_score,
};
use spot_domain::group::{CommandPriority, CommandType};
use spot_platform::store::enqueue;
use uuid::Uuid;

/// The call, parsed.
#[derive(Debug, Clone)]
pub struct Recommendation {
    pub client: Uuid,
    pub agent: Uuid,
    pub instance_id: String,
    pub detected_at: Option<DateTime<Utc>>,
}

impl Recommendation {
    pub fn from_request(r: &v1::RebalanceNoticeRequest) -> Result<Self> {
        let agent = r.agent.as_ref().ok_or_else(|| EmergencyError::invalid("agent is required"))?;
        Ok(Self {
            client: uuid(&agent.client_id, "agent")?,
            agent: uuid(&agent.agent_id, "agent")?,
            instance_id: r.instance_id.trim().to_owned(),
            detected_at: super::from_ts(&r.detected_at),
        })
    }
}

/// The group's policy: the operator's, or the default from auto_switch.
pub async fn policy_of(
    em: &Emergency,
    client: Uuid,
    agent: Uuid,
    group: Option<Uuid>,
) -> Result<(RebalancePolicy, bool)> {
    if let Some(g) = group
        && let Some(p) = policies::get(&em.db, g).await?
    {
        return Ok((p, false));
    }
    em.rpc("get_group_settings");
    let settings = em.lifecycle.settings(client, agent).await?;
    Ok((RebalancePolicy::default_for(settings.auto_switch), true))
}

/// Handles one rebalance recommendation call.
pub async fn handle(em: &Emergency, r: Recommendation) -> Result<v1::NoticeAnswer> {
    let arrived = Utc::now();
    let agent = em.group_agent(r.client, r.agent).await?;
    let instance_id =
        if r.instance_id.is_empty() { agent.instance_id.clone() } else { r.instance_id.clone() };
    if instance_id.is_empty() {
        return Err(EmergencyError::invalid("instance_id is required"));
    }
    // A repeat (v4 re-sends every 30 s) reads the open recommendation.
    if let Some(existing) =
        notices::existing(&em.db, r.client, &instance_id, NoticeKind::Rebalance.as_str()).await?
    {
        em.metrics.notices.with_label_values(&["rebalance", "repeat"]).inc();
        return Ok(status::answer(&existing, false, false));
    }
    let group = Some(agent.group_id);
    let pool = agent.pool_id.clone().unwrap_or_default();
    let (policy, _) = policy_of(em, r.client, r.agent, group).await?;
    let new = NewNotice {
        client_id: r.client,
        agent_id: r.agent,
        group_id: group,
        instance_id: instance_id.clone(),
        pool_id: Some(pool.clone()).filter(|p| !p.is_empty()),
        kind: NoticeKind::Rebalance.as_str(),
        notice_time: r.detected_at.unwrap_or(arrived),
        detected_at: r.detected_at,
        deadline: None,
        policy: Some(policy.as_str()),
        typed: agent.typed,
        termination_time_raw: None,
    };
    let Some(row) = notices::insert_once(&em.db, &new).await? else {
        let existing = notices::existing(&em.db, r.client, &instance_id, NoticeKind::Rebalance.as_str())
            .await?
            .ok_or(EmergencyError::NotFound("notice"))?;
        em.metrics.notices.with_label_values(&["rebalance", "repeat"]).inc();
        return Ok(status::answer(&existing, false, false));
    };

    let (score, recommendation) = match risk::get(&em.db, &pool).await? {
        Some((score, rec)) => (score, rec),
        None => {
            let seen = notices::interruptions_30d(&em.db, &pool).await?;
            let (score, rec) = fallback_risk_score(u32::try_from(seen).unwrap_or(u32::MAX));
            (score, rec.as_str().to_owned())
        }
    };
    let has_ready = projection::ready_replica(&em.db, agent.group_id).await?.is_some();
    let notice_open = timeline::notice_open(&em.db, group).await?;
    let stats = em.stats(&pool).await?;
    let d = decide_rebalance(&RebalanceFacts {
        typed: agent.typed,
        policy,
        pool: &pool,
        score,
        has_ready_replica: has_ready,
        notice_open,
        stats: &stats,
    });
    let mut command = None;
    for effect in &d.effects {
        let (kind, priority, target) = match effect {
            // Prespin: typed agents only (the domain never asks it of v4).
            Effect::QueueCreateReplica(t) => (CommandType::CreateReplica, CommandPriority::Emergency, t),
            // A planned move: priority 75, below emergency work (which
            // supersedes it), one per recommendation (request id).
            Effect::QueueSwitch(t) => (CommandType::Switch, CommandPriority::Manual, t),
            _ => continue,
        };
        let request = format!("rebalance:{}", row.id);
        command = em.queue_command(r.client, r.agent, kind, priority, target, None, request).await?;
    }
    let target = d.target.clone();
    let decision = Decision {
        status: "handling",
        action: d.action.into(),
        target_mode: target.as_ref().map(|t| t.mode().to_owned()),
        target_pool_id: target.as_ref().and_then(|t| t.pool().map(str::to_owned)),
        risk_score: Some(score),
        command_id: command,
        reason: format!(
            "pool {pool} risk {score:.2} ({recommendation}); policy {}; {}",
            policy.as_str(),
            d.reason
        ),
        step_deadline: None,
        missed: false,
    };
    let decided = record_decision(em, row.id, &decision).await?;
    em.observe("decision", arrived);
    em.metrics.notices.with_label_values(&["rebalance", &decided.action]).inc();
    Ok(status::answer(&decided, true, false))
}

/// Stores the decision and publishes the notice, in one transaction.
pub async fn record_decision(em: &Emergency, id: Uuid, decision: &Decision) -> Result<NoticeRow> {
    let txn = em.db.begin().await?;
    let decided = notices::decide(&txn, id, decision).await?.ok_or(EmergencyError::NotFound("notice"))?;
    enqueue(&txn, crate::SCHEMA, &events::received(&decided)).await?;
    txn.commit().await?;
    Ok(decided)
}
