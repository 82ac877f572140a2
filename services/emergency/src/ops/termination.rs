//! A termination notice. The first call decides (pure
//! `spot_domain::emergency::decide_termination` over emergency's own
//! tables) and carries out the effects, asking lifecycle for one thing at
//! most; a repeat (v4 re-sends every 5 s) is answered from the stored
//! notice alone, without calling lifecycle (docs/EMERGENCY.md).

use super::{Emergency, events, status, uuid};
use crate::error::{EmergencyError, Result};
use crate::store::notices::{self, Decision, NewNotice, NoticeRow};
use crate::store::{projection, timeline};
use chrono::{DateTime, Duration, Utc};
use sea_orm::TransactionTrait;
use spot_contracts::v1;
use spot_domain::emergency::{
    BURST_WINDOW_SECS, Effect, NoticeKind, PoolSignals, Target, TerminationFacts, decide_termination,
    placement,
};
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
    /// `termination_time` as sent (also when it was not a timestamp).
    pub termination_time_raw: Option<String>,
    pub detected_at: Option<DateTime<Utc>>,
}

impl Notice {
    pub fn from_request(r: &v1::TerminationNoticeRequest) -> Result<Self> {
        let agent = r.agent.as_ref().ok_or_else(|| EmergencyError::invalid("agent is required"))?;
        let raw: String = r.termination_time_raw.trim().chars().take(100).collect();
        Ok(Self {
            client: uuid(&agent.client_id, "agent")?,
            agent: uuid(&agent.agent_id, "agent")?,
            instance_id: r.instance_id.trim().to_owned(),
            termination_time: super::from_ts(&r.termination_time),
            termination_time_raw: Some(raw).filter(|r| !r.is_empty()),
            detected_at: super::from_ts(&r.detected_at),
        })
    }

    /// The deadline: the termination time; "now" when it passed or could
    /// not be read; the default window when none was sent.
    fn deadline(&self, now: DateTime<Utc>, default: std::time::Duration) -> (DateTime<Utc>, bool) {
        match (self.termination_time, &self.termination_time_raw) {
            (Some(t), _) if t > now => (t, false),
            (Some(_), _) | (None, Some(_)) => (now, true),
            (None, None) => (now + Duration::from_std(default).unwrap_or(Duration::minutes(2)), false),
        }
    }
}

/// Handles one termination notice call.
pub async fn handle(em: &Emergency, n: Notice) -> Result<v1::NoticeAnswer> {
    let arrived = Utc::now();
    if !n.instance_id.is_empty()
        && let Some(existing) = repeat(em, &n, &n.instance_id).await?
    {
        return Ok(existing);
    }
    let agent = em.group_agent(n.client, n.agent).await?;
    let instance_id =
        if n.instance_id.is_empty() { agent.instance_id.clone() } else { n.instance_id.clone() };
    if instance_id.is_empty() {
        return Err(EmergencyError::invalid("instance_id is required"));
    }
    if n.instance_id.is_empty()
        && let Some(existing) = repeat(em, &n, &instance_id).await?
    {
        return Ok(existing);
    }
    let (deadline, passed) = n.deadline(arrived, em.default_deadline);
    let new = NewNotice {
        client_id: n.client,
        agent_id: n.agent,
        group_id: Some(agent.group_id),
        instance_id: instance_id.clone(),
        pool_id: agent.pool_id.clone(),
        kind: NoticeKind::Termination.as_str(),
        notice_time: n.termination_time.unwrap_or(arrived),
        detected_at: n.detected_at,
        deadline: Some(deadline),
        policy: None,
        typed: agent.typed,
        termination_time_raw: n.termination_time_raw.clone(),
    };
    let Some(row) = notices::insert_once(&em.db, &new).await? else {
        // Another call about the same notice won the insert.
        return repeat(em, &n, &instance_id).await?.ok_or(EmergencyError::NotFound("notice"));
    };
    // The decision runs in its own task: when the caller gives up (the
    // gateway's deadline passed, the agent hung up), the notice still gets
    // its decision instead of staying `detected` with nothing queued. It
    // stays in the caller's trace (its gRPC span), as its calls to lifecycle.
    let task = {
        let em = em.clone();
        let span = tracing::Span::current();
        tokio::spawn(tracing::Instrument::instrument(
            async move {
                let outcome = decide_and_act(&em, &row, deadline, passed, arrived).await;
                if outcome.is_err() {
                    // Nothing was decided: forget the notice so the agent's next
                    // repeat (5 s later) decides again.
                    if let Err(del) = notices::forget_undecided(&em.db, row.id).await {
                        tracing::error!(notice = %row.id, error = %del, "undecided notice not removed");
                    }
                }
                outcome
            },
            span,
        ))
    };
    task.await.map_err(|e| EmergencyError::Internal(format!("notice decision stopped: {e}")))?
}

/// The stored answer for a repeat, with no call to lifecycle.
async fn repeat(em: &Emergency, n: &Notice, instance: &str) -> Result<Option<v1::NoticeAnswer>> {
    let Some(existing) = notices::existing_of_agent(&em.db, n.client, n.agent, instance).await? else {
        return Ok(None);
    };
    em.metrics.notices.with_label_values(&["termination", "repeat"]).inc();
    Ok(Some(status::answer(&existing, false, false)))
}

async fn decide_and_act(
    em: &Emergency,
    row: &NoticeRow,
    deadline: DateTime<Utc>,
    passed: bool,
    arrived: DateTime<Utc>,
) -> Result<v1::NoticeAnswer> {
    let pool = row.pool_id.clone();
    let since = arrived - Duration::seconds(BURST_WINDOW_SECS);
    let mut signals: PoolSignals =
        timeline::signals(&em.db, row.id, row.client_id, &row.instance_id, pool.as_deref(), since).await?;
    notices::close_rebalance_of(&em.db, row.client_id, &row.instance_id).await?;
    let stats = em.stats(pool.as_deref().unwrap_or_default()).await?;
    if let Some(p) = pool.as_deref() {
        signals.risk = em.risk_of(p).await?.map(|(_, r)| r);
    }
    let ready = match row.group_id {
        Some(g) => projection::ready_replica(&em.db, g).await?,
        None => None,
    };
    let ready_id = ready.as_ref().map(|r| r.replica_id.to_string());
    let mut facts = TerminationFacts {
        typed: row.typed,
        noticed_pool: pool.as_deref(),
        ready_replica: ready_id.as_deref(),
        signals,
        stats: &stats,
        deadline_passed: passed,
    };
    let mut decision = decide_termination(&facts);
    if let (Some(Effect::Promote { .. }), Some(ready)) = (decision.effects.first(), &ready) {
        let replica = super::group::replica_record(ready);
        if let Some(done) = super::promotion::promote_for(em, row, Some(row.id), &replica).await?
            && done.status == "resolved"
        {
            em.observe("promoted", arrived);
            timeline::add_step(&em.db, row.id, "promote", None, ready.pool_id.as_deref(), None, &done.reason)
                .await?;
            return Ok(status::answer(&done, true, false));
        }
        tracing::warn!(notice = %row.id, "promotion of the ready replica did not commit; placing a replacement");
        facts.ready_replica = None;
        decision = decide_termination(&facts);
    }

    // One command at most, on the notice's deadline (or, when it already
    // passed, a full step window so the agent can still run it).
    let step_deadline = if decision.missed {
        arrived + Duration::from_std(em.default_deadline).unwrap_or(Duration::minutes(2))
    } else {
        deadline
    };
    let mut command = None;
    let mut same_pool = false;
    for effect in &decision.effects {
        match effect {
            Effect::QueueSwitch(t) | Effect::QueueCreateReplica(t) => {
                let typed = matches!(effect, Effect::QueueCreateReplica(_));
                let request = format!("emergency:{}", row.id);
                command =
                    em.queue_step(row.client_id, row.agent_id, typed, t, step_deadline, request).await?;
            }
            Effect::AnswerSamePoolReplica => same_pool = true,
            Effect::Promote { .. } | Effect::MarkReturnToSpot | Effect::EscalateEarlier(_) => {}
        }
    }
    let target = decision.target.clone();
    let record = Decision {
        status: if decision.missed { "failed" } else { "handling" },
        action: decision.action.into(),
        target_mode: target.as_ref().map(|t| t.mode().to_owned()),
        target_pool_id: target.as_ref().and_then(|t| t.pool().map(str::to_owned)),
        risk_score: None,
        command_id: command,
        reason: decision.reason.clone(),
        step_deadline: Some(step_deadline),
        missed: decision.missed,
    };
    let txn = em.db.begin().await?;
    let decided = notices::decide(&txn, row.id, &record).await?.ok_or(EmergencyError::NotFound("notice"))?;
    let step = if decision.missed { "fallback" } else { decision.action };
    timeline::add_step(
        &txn,
        row.id,
        step,
        record.target_mode.as_deref(),
        record.target_pool_id.as_deref(),
        command,
        &decision.reason,
    )
    .await?;
    enqueue(&txn, crate::SCHEMA, &events::received(&decided)).await?;
    if decision.effects.contains(&Effect::MarkReturnToSpot)
        && timeline::mark_return_to_spot(&txn, &decided, &decision.reason).await?
    {
        enqueue(&txn, crate::SCHEMA, &events::return_to_spot(&decided, &decision.reason)).await?;
    }
    txn.commit().await?;
    em.observe("decision", arrived);
    em.metrics.notices.with_label_values(&["termination", decision.action]).inc();
    let since = arrived - Duration::seconds(BURST_WINDOW_SECS);
    for effect in &decision.effects {
        if let Effect::EscalateEarlier(t) = effect {
            escalate(em, &decided, t, since, Some(decided.id)).await;
        }
    }
    if same_pool {
        // A notice of the same burst may have looked for same-pool replicas
        // to escalate before this decision was stored: look again now.
        let again =
            timeline::signals(&em.db, row.id, row.client_id, &row.instance_id, pool.as_deref(), since)
                .await?;
        if again.is_burst() {
            let (target, _) = placement(&stats, &facts.noticed_pool.into_iter().collect::<Vec<_>>());
            escalate(em, &decided, &target, since, None).await;
        }
    }
    Ok(status::answer(&decided, true, same_pool))
}

/// A burst showed the AZ is being reclaimed: earlier notices there that got
/// a same-pool replica (v4) get the switch too. Best effort: a failure is
/// logged and the deadline sweep's fallback still follows.
async fn escalate(
    em: &Emergency,
    burst: &NoticeRow,
    target: &Target,
    since: DateTime<Utc>,
    except: Option<Uuid>,
) {
    let Some(az) = burst.az.as_deref() else { return };
    let claimed = match timeline::claim_same_pool(&em.db, az, since, except.unwrap_or(Uuid::nil())).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "escalation claim failed");
            return;
        }
    };
    for n in claimed {
        let deadline = n.deadline.unwrap_or_else(Utc::now);
        let request = format!("emergency-escalate:{}", n.id);
        let result = async {
            let command = em.queue_step(n.client_id, n.agent_id, false, target, deadline, request).await?;
            let txn = em.db.begin().await?;
            let reason = format!("burst in {az}: switch instead of the same-pool replica");
            timeline::add_step(&txn, n.id, "escalated", Some(target.mode()), target.pool(), command, &reason)
                .await?;
            timeline::set_step(&txn, n.id, "", target.mode(), target.pool(), command, Some(deadline)).await?;
            txn.commit().await?;
            Ok::<_, EmergencyError>(())
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(notice = %n.id, error = %e, "escalation not queued");
        }
    }
}
