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
    BURST_WINDOW_SECS, BootStats, Effect, NoticeKind, Target, TerminationFacts, decide_termination, placement,
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
        // Another call about the same instance's notice won the insert: this
        // agent's own, or that of the agent that ran here before a restart
        // (v4 registers anew, with a new id, at every start).
        return match repeat(em, &n, &instance_id).await? {
            Some(answer) => Ok(answer),
            None if agent.instance_id == instance_id => restarted(em, &n, &instance_id).await,
            None => Err(EmergencyError::NotFound("notice")),
        };
    };
    // The decision runs in its own task: when the caller gives up (the
    // gateway's deadline passed, the agent hung up), the notice still gets
    // its decision instead of staying `detected` with nothing queued. The
    // agent gets its answer as soon as the decision is stored; the command
    // that carries it out is queued right after, in the same task
    // (docs/EMERGENCY.md, "A quieter path"). The task stays in the caller's
    // trace (its gRPC span), as do its calls to lifecycle.
    let (answer_tx, answer_rx) = tokio::sync::oneshot::channel();
    let em = em.clone();
    let span = tracing::Span::current();
    tokio::spawn(tracing::Instrument::instrument(
        async move {
            match decide(&em, &row, deadline, passed, arrived).await {
                Ok((answer, follow_up)) => {
                    // The caller may be gone; the follow-up runs regardless.
                    let _ = answer_tx.send(Ok(answer));
                    if let Some(f) = follow_up {
                        f.run(&em).await;
                    }
                }
                Err(e) => {
                    // Nothing was decided: forget the notice so the agent's next
                    // repeat (5 s later) decides again.
                    if let Err(del) = notices::forget_undecided(&em.db, row.id).await {
                        tracing::error!(notice = %row.id, error = %del, "undecided notice not removed");
                    }
                    let _ = answer_tx.send(Err(e));
                }
            }
        },
        span,
    ));
    answer_rx.await.map_err(|e| EmergencyError::Internal(format!("notice decision stopped: {e}")))?
}

/// The stored answer for a repeat, with no call to lifecycle, unless the
/// notice's command was never queued (the deciding task died with its
/// process): then this repeat queues it.
async fn repeat(em: &Emergency, n: &Notice, instance: &str) -> Result<Option<v1::NoticeAnswer>> {
    let Some(existing) = notices::existing_of_agent(&em.db, n.client, n.agent, instance).await? else {
        return Ok(None);
    };
    em.metrics.notices.with_label_values(&["termination", "repeat"]).inc();
    let answer = status::answer(&existing, false, false);
    let now = Utc::now();
    if let Some(command) = unqueued(&existing, now) {
        // In the background, in this call's trace: the answer does not wait.
        let em = em.clone();
        let queue = async move { carry_out(&em, &existing, None, &command, now, 1).await };
        tokio::spawn(tracing::Instrument::instrument(queue, tracing::Span::current()));
    }
    Ok(Some(answer))
}

/// The answer to an agent restarted on a noticed instance: the notice its
/// predecessor raised, as a repeat (no second replica). Only the agent that
/// runs on the instance gets here (the caller checks), so no agent reads
/// another instance's notice. Lifecycle moved the notice's command to the
/// new agent at its registration if the predecessor had not fetched it; the
/// deadline sweep's fallback covers one it had (docs/EMERGENCY.md, "An agent
/// restarted under a notice").
async fn restarted(em: &Emergency, n: &Notice, instance: &str) -> Result<v1::NoticeAnswer> {
    let existing = notices::existing(&em.db, n.client, instance, NoticeKind::Termination.as_str())
        .await?
        .ok_or(EmergencyError::NotFound("notice"))?;
    em.metrics.notices.with_label_values(&["termination", "restarted"]).inc();
    Ok(status::answer(&existing, false, false))
}

/// How long a decided notice may wait for its command before a repeat
/// queues it again (the deciding task normally takes milliseconds).
const UNQUEUED_AFTER_SECS: i64 = 3;

/// The command a decided termination notice still lacks: typed, target,
/// deadline. `None` when it has one or needs none.
fn unqueued(n: &NoticeRow, now: DateTime<Utc>) -> Option<(bool, Target, DateTime<Utc>)> {
    if n.kind != NoticeKind::Termination.as_str() || n.command_id.is_some() || n.status == "resolved" {
        return None;
    }
    let typed = match n.action.as_str() {
        "switch" => false,
        "create_replica" => true,
        _ => return None,
    };
    if n.decided_at.is_none_or(|d| now - d < Duration::seconds(UNQUEUED_AFTER_SECS)) {
        return None;
    }
    let target = match (n.target_mode.as_deref(), &n.target_pool_id) {
        (Some("ondemand"), _) => Target::OnDemand,
        (Some("spot"), Some(p)) => Target::Pool(p.clone()),
        _ => return None,
    };
    Some((typed, target, n.step_deadline.unwrap_or(now)))
}

/// Queues a decided notice's command (idempotent per notice: lifecycle keys
/// it on `emergency:<notice>`) and records it on the notice and on its step
/// (`seq`; the newest step when `None`). Up to `attempts` tries, backing off,
/// never past the step's deadline; after that the deadline sweep's fallback
/// takes over (docs/EMERGENCY.md).
async fn carry_out(
    em: &Emergency,
    n: &NoticeRow,
    seq: Option<i32>,
    (typed, target, deadline): &(bool, Target, DateTime<Utc>),
    arrived: DateTime<Utc>,
    attempts: u32,
) {
    let request = format!("emergency:{}", n.id);
    let mut wait = std::time::Duration::from_millis(100);
    for attempt in 1..=attempts {
        let queued = async {
            let command =
                em.queue_step(n.client_id, n.agent_id, *typed, target, *deadline, request.clone()).await?;
            if let Some(c) = command {
                timeline::attach_command(&em.db, n.id, seq, c).await?;
            }
            Ok::<_, EmergencyError>(())
        }
        .await;
        match queued {
            Ok(()) => {
                em.observe("command", arrived);
                return;
            }
            Err(e) if attempt < attempts && Utc::now() < *deadline => {
                tracing::warn!(notice = %n.id, attempt, error = %e, "notice command not queued yet");
                tokio::time::sleep(wait).await;
                wait = (wait * 4).min(std::time::Duration::from_secs(5));
            }
            Err(e) => {
                em.metrics.notices.with_label_values(&["termination", "command_failed"]).inc();
                tracing::error!(notice = %n.id, error = %e, "notice command not queued; a repeat or the deadline sweep takes over");
                return;
            }
        }
    }
}

/// Decides and stores the decision: the answer the agent gets now, and what
/// is left to do once it has it. Reads run concurrently; the decision, its
/// timeline step, its event and the closing of the instance's rebalance
/// recommendation commit in one transaction.
async fn decide(
    em: &Emergency,
    row: &NoticeRow,
    deadline: DateTime<Utc>,
    passed: bool,
    arrived: DateTime<Utc>,
) -> Result<(v1::NoticeAnswer, Option<FollowUp>)> {
    let pool = row.pool_id.clone();
    let since = arrived - Duration::seconds(BURST_WINDOW_SECS);
    let (mut signals, stats, ready) = tokio::try_join!(
        async {
            Ok::<_, EmergencyError>(
                timeline::signals(&em.db, row.id, row.client_id, &row.instance_id, pool.as_deref(), since)
                    .await?,
            )
        },
        em.stats(pool.as_deref().unwrap_or_default()),
        async {
            match row.group_id {
                Some(g) => Ok::<_, EmergencyError>(projection::ready_replica(&em.db, g).await?),
                None => Ok(None),
            }
        },
    )?;
    // Pricing's advice for the noticed pool comes with the pools' statistics.
    signals.risk =
        pool.as_deref().and_then(|p| stats.iter().find(|s| s.pool_id == p)).and_then(|s| s.recommendation);
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
            notices::close_rebalance_of(&em.db, row.client_id, &row.instance_id).await?;
            return Ok((status::answer(&done, true, false), None));
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
    let mut queue = None;
    let mut same_pool = false;
    for effect in &decision.effects {
        match effect {
            Effect::QueueSwitch(t) => queue = Some((false, t.clone())),
            Effect::QueueCreateReplica(t) => queue = Some((true, t.clone())),
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
        command_id: None,
        reason: decision.reason.clone(),
        step_deadline: Some(step_deadline),
        missed: decision.missed,
    };
    let txn = em.db.begin().await?;
    let decided = notices::decide(&txn, row.id, &record).await?.ok_or(EmergencyError::NotFound("notice"))?;
    let step = if decision.missed { "fallback" } else { decision.action };
    let step_seq = timeline::add_step(
        &txn,
        row.id,
        step,
        record.target_mode.as_deref(),
        record.target_pool_id.as_deref(),
        None,
        &decision.reason,
    )
    .await?;
    notices::close_rebalance_of(&txn, row.client_id, &row.instance_id).await?;
    enqueue(&txn, crate::SCHEMA, &events::received(&decided)).await?;
    if decision.effects.contains(&Effect::MarkReturnToSpot)
        && timeline::mark_return_to_spot(&txn, &decided, &decision.reason).await?
    {
        enqueue(&txn, crate::SCHEMA, &events::return_to_spot(&decided, &decision.reason)).await?;
    }
    txn.commit().await?;
    em.observe("decision", arrived);
    em.metrics.notices.with_label_values(&["termination", decision.action]).inc();
    let escalations = decision
        .effects
        .iter()
        .filter_map(|e| match e {
            Effect::EscalateEarlier(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    let answer = status::answer(&decided, true, same_pool);
    let follow_up = FollowUp {
        notice: decided,
        step_seq,
        queue: queue.map(|(typed, target)| (typed, target, step_deadline)),
        escalations,
        same_pool,
        stats,
        since,
        arrived,
    };
    Ok((answer, Some(follow_up)))
}

/// What a decided notice still needs once its agent has the answer.
struct FollowUp {
    notice: NoticeRow,
    /// The timeline step the queued command belongs to.
    step_seq: i32,
    /// The command carrying the decision: typed (CREATE_REPLICA) or switch,
    /// its target and its deadline.
    queue: Option<(bool, Target, DateTime<Utc>)>,
    escalations: Vec<Target>,
    /// The agent was told to launch a same-pool replica.
    same_pool: bool,
    stats: Vec<BootStats>,
    since: DateTime<Utc>,
    arrived: DateTime<Utc>,
}

/// Attempts to queue a notice's command in the deciding task (about 30 s of
/// backing off, less when the deadline comes first).
const QUEUE_ATTEMPTS: u32 = 10;

impl FollowUp {
    async fn run(self, em: &Emergency) {
        let n = &self.notice;
        if let Some(command) = &self.queue {
            carry_out(em, n, Some(self.step_seq), command, self.arrived, QUEUE_ATTEMPTS).await;
        }
        for t in &self.escalations {
            escalate(em, n, t, self.since, Some(n.id)).await;
        }
        if self.same_pool {
            // A notice of the same burst may have looked for same-pool replicas
            // to escalate before this decision was stored: look again now.
            let pool = n.pool_id.as_deref();
            match timeline::signals(&em.db, n.id, n.client_id, &n.instance_id, pool, self.since).await {
                Ok(again) if again.is_burst() => {
                    let (target, _) = placement(&self.stats, &pool.into_iter().collect::<Vec<_>>());
                    escalate(em, n, &target, self.since, None).await;
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(notice = %n.id, error = %e, "burst re-check failed"),
            }
        }
    }
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
