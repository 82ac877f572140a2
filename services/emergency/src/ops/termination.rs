//! A termination notice: promote a ready replica at once, or instruct one
//! emergency replica in the fastest-boot pool and wait for it. A repeated
//! notice (v4 re-sends every 5 s) only reads the stored decision.

use super::{Emergency, events, pool_of, status, uuid};
use crate::error::{EmergencyError, Result};
use crate::store::notices::{self, Decision, NewNotice, NoticeRow};
use chrono::{DateTime, Duration, Utc};
use sea_orm::TransactionTrait;
use spot_contracts::v1;
use spot_domain::emergency::NoticeKind;
use spot_domain::group::{CommandPriority, CommandType};
use spot_platform::store::enqueue;
use uuid::Uuid;

/// The call, parsed.
#[derive(Debug, Clone)]
pub struct Notice {
    pub client: Uuid,
    pub agent: Uuid,
    /// Empty: the agent's current instance.
    pub instance_id: String,
    pub termination_time: Option<DateTime<Utc>>,
    pub detected_at: Option<DateTime<Utc>>,
}

impl Notice {
    pub fn from_request(r: &v1::TerminationNoticeRequest) -> Result<Self> {
        let agent = r.agent.as_ref().ok_or_else(|| EmergencyError::invalid("agent is required"))?;
        Ok(Self {
            client: uuid(&agent.client_id, "agent")?,
            agent: uuid(&agent.agent_id, "agent")?,
            instance_id: r.instance_id.trim().to_owned(),
            termination_time: super::from_ts(&r.termination_time),
            detected_at: super::from_ts(&r.detected_at),
        })
    }
}

/// Handles one termination notice call.
pub async fn handle(em: &Emergency, n: Notice) -> Result<v1::NoticeAnswer> {
    let arrived = Utc::now();
    let agent = em.lifecycle.agent(n.client, n.agent).await?;
    let instance_id = if n.instance_id.is_empty() {
        agent.instance.as_ref().map(|i| i.instance_id.clone()).unwrap_or_default()
    } else {
        n.instance_id.clone()
    };
    if instance_id.is_empty() {
        return Err(EmergencyError::invalid("instance_id is required"));
    }
    let pool = pool_of(&agent);
    let deadline = n
        .termination_time
        .unwrap_or_else(|| arrived + Duration::from_std(em.default_deadline).unwrap_or(Duration::minutes(2)));
    let new = NewNotice {
        client_id: n.client,
        agent_id: n.agent,
        group_id: Uuid::parse_str(&agent.group_id).ok(),
        instance_id: instance_id.clone(),
        pool_id: pool.clone(),
        kind: NoticeKind::Termination.as_str(),
        notice_time: n.termination_time.unwrap_or(arrived),
        detected_at: n.detected_at,
        deadline: Some(deadline),
        policy: None,
    };
    let Some(row) = notices::insert_once(&em.db, &new).await? else {
        let existing = notices::existing(&em.db, n.client, &instance_id, NoticeKind::Termination.as_str())
            .await?
            .ok_or(EmergencyError::NotFound("notice"))?;
        em.metrics.notices.with_label_values(&["termination", "repeat"]).inc();
        return Ok(status::answer(&existing, false, false));
    };
    notices::close_rebalance_of(&em.db, n.client, &instance_id).await?;

    // A ready replica: promote it now, in this request.
    let replicas = em.lifecycle.replicas(n.client, n.agent).await?;
    if let Some(ready) = replicas.iter().find(|r| r.status == "ready" && r.role == "REPLICA") {
        match super::promotion::promote_for(em, &row, Some(row.id), ready).await? {
            Some(done) if done.status == "resolved" => {
                em.observe("promoted", arrived);
                return Ok(status::answer(&done, true, false));
            }
            _ => {
                tracing::warn!(notice = %row.id, "promotion of the ready replica did not commit; launching one")
            }
        }
    }

    // None: one emergency replica in the fastest-boot safe pool.
    let current = pool.clone().unwrap_or_default();
    let choice = em.choose_pool(&current).await?;
    let queued = em
        .lifecycle
        .queue(v1::QueueCommandRequest {
            agent: Some(crate::lifecycle::agent_ref(n.client, n.agent)),
            command_type: CommandType::CreateReplica.as_str().into(),
            priority: CommandPriority::Emergency.value(),
            target_mode: Some("spot".into()),
            target_pool_id: Some(choice.pool_id.clone()).filter(|p| !p.is_empty()),
            deadline: Some(super::ts(deadline)),
            request_id: format!("emergency:{}", row.id),
            actor: "emergency".into(),
            only_if_typed: true,
        })
        .await?;
    let command_id = queued.command.as_ref().and_then(|c| Uuid::parse_str(&c.id).ok());
    let decision = Decision {
        status: "handling",
        action: "create_replica".into(),
        target_mode: Some("spot".into()),
        target_pool_id: Some(choice.pool_id.clone()).filter(|p| !p.is_empty()),
        risk_score: None,
        command_id,
        reason: choice.reason.clone(),
    };
    let decided = record_decision(em, row.id, &decision).await?;
    em.observe("decision", arrived);
    em.metrics.notices.with_label_values(&["termination", "create_replica"]).inc();
    // v4 agents launch the replica when told so in the answer; typed agents
    // got a priority-100 CREATE_REPLICA command instead.
    Ok(status::answer(&decided, true, command_id.is_none()))
}

/// Stores the decision and publishes the notice, in one transaction.
pub async fn record_decision(em: &Emergency, id: Uuid, decision: &Decision) -> Result<NoticeRow> {
    let txn = em.db.begin().await?;
    let decided = notices::decide(&txn, id, decision).await?.ok_or(EmergencyError::NotFound("notice"))?;
    enqueue(&txn, crate::SCHEMA, &events::received(&decided)).await?;
    txn.commit().await?;
    Ok(decided)
}
