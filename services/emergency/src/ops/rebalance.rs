//! A rebalance recommendation: score the pool, apply the group's policy
//! (monitor, prespin or switch), record it once per instance while it
//! stands (v4 re-sends every 30 s).

use super::{Emergency, pool_of, status, termination::record_decision, uuid};
use crate::error::{EmergencyError, Result};
use crate::store::notices::{self, Decision, NewNotice};
use crate::store::{policies, risk};
use chrono::{DateTime, Utc};
use spot_contracts::v1;
use spot_domain::emergency::{
    NoticeKind, RebalanceAction, RebalancePolicy, fallback_risk_score, rebalance_action,
};
use spot_domain::group::{CommandPriority, CommandType};
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
    let settings = em.lifecycle.settings(client, agent).await?;
    Ok((RebalancePolicy::default_for(settings.auto_switch), true))
}

/// Handles one rebalance recommendation call.
pub async fn handle(em: &Emergency, r: Recommendation) -> Result<v1::NoticeAnswer> {
    let arrived = Utc::now();
    let agent = em.lifecycle.agent(r.client, r.agent).await?;
    let instance_id = if r.instance_id.is_empty() {
        agent.instance.as_ref().map(|i| i.instance_id.clone()).unwrap_or_default()
    } else {
        r.instance_id.clone()
    };
    if instance_id.is_empty() {
        return Err(EmergencyError::invalid("instance_id is required"));
    }
    let group = Uuid::parse_str(&agent.group_id).ok();
    let pool = pool_of(&agent).unwrap_or_default();
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
    let replicas = em.lifecycle.replicas(r.client, r.agent).await?;
    let has_ready = replicas.iter().any(|x| x.status == "ready" && x.role == "REPLICA");
    let action = rebalance_action(policy, has_ready);
    let choice = em.choose_pool(&pool).await?;
    let elsewhere = Some(choice.pool_id.clone()).filter(|p| !p.is_empty() && *p != pool);
    let mut decision = Decision {
        status: "handling",
        action: action.as_str().into(),
        risk_score: Some(score),
        reason: format!("pool {pool} risk {score:.2} ({recommendation}); policy {}", policy.as_str()),
        ..Decision::default()
    };
    match action {
        RebalanceAction::Monitor => {
            if has_ready && policy == RebalancePolicy::Prespin {
                decision.reason.push_str("; a ready replica already stands by");
            }
        }
        RebalanceAction::Prespin => {
            decision.target_mode = Some("spot".into());
            decision.target_pool_id = Some(choice.pool_id.clone());
            let q = queue(em, &r, row.id, CommandType::CreateReplica, "spot", Some(choice.pool_id.clone()))
                .await?;
            decision.command_id = q;
            if q.is_none() {
                decision.action = RebalanceAction::Monitor.as_str().into();
                decision.reason.push_str(
                    "; this agent cannot pre-spin (v4), a replica is launched on the termination notice",
                );
            }
        }
        RebalanceAction::Switch => {
            let (mode, target) = match elsewhere {
                Some(p) => ("spot", Some(p)),
                None => ("ondemand", None),
            };
            decision.target_mode = Some(mode.into());
            decision.target_pool_id = target.clone();
            // Typed agents get a command; a v4 agent acts on this answer itself.
            decision.command_id = queue(em, &r, row.id, CommandType::Switch, mode, target).await?;
        }
    }
    let decided = record_decision(em, row.id, &decision).await?;
    em.observe("decision", arrived);
    em.metrics.notices.with_label_values(&["rebalance", &decided.action]).inc();
    Ok(status::answer(&decided, true, false))
}

async fn queue(
    em: &Emergency,
    r: &Recommendation,
    notice: Uuid,
    kind: CommandType,
    mode: &str,
    pool: Option<String>,
) -> Result<Option<Uuid>> {
    let q = em
        .lifecycle
        .queue(v1::QueueCommandRequest {
            agent: Some(crate::lifecycle::agent_ref(r.client, r.agent)),
            command_type: kind.as_str().into(),
            priority: CommandPriority::Emergency.value(),
            target_mode: Some(mode.into()),
            target_pool_id: pool,
            deadline: None,
            request_id: format!("rebalance:{notice}"),
            actor: "emergency".into(),
            only_if_typed: true,
        })
        .await?;
    Ok(q.command.as_ref().and_then(|c| Uuid::parse_str(&c.id).ok()))
}
