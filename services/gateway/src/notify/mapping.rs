//! Which bus events become notifications, with what kind, severity and
//! text. Pure: the caller passes the subject, payload and current time.
//!
//! | event | condition | kind | severity |
//! |---|---|---|---|
//! | `emergency.notice` | kind `termination` | termination_notice | warning |
//! | `emergency.notice_changed` | termination, status `resolved` | failover_done | info |
//! | `emergency.notice_changed` | status `failed` with a fallback step | deadline_missed | critical |
//! | `emergency.notice_changed` | status `failed`, chain exhausted or no step left | failover_failed | critical |
//! | `emergency.return_to_spot` | always | fell_back_to_on_demand | warning |
//! | `decisions.decision_executed` | always | auto_switch_executed | info (warning when failed) |
//! | `lifecycle.agent_status_changed` | status `offline` | agent_offline | warning |
//! | `pricing.consolidation_finished` | status `failed` | consolidation_failed (every tenant) | warning |
//!
//! Events older than [`MAX_EVENT_AGE`] notify nobody: a consumer created on
//! a stream with history (a first deployment) must not replay a month of
//! alerts.

use chrono::{DateTime, Utc};
use spot_contracts::{Event, v1};
use spot_domain::notify::{NotificationKind, Severity};
use spot_domain::{AgentId, ClientId};
use uuid::Uuid;

/// Oldest event that still notifies.
pub const MAX_EVENT_AGE: chrono::TimeDelta = chrono::TimeDelta::hours(24);

/// A notification to store.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub kind: NotificationKind,
    pub severity: Severity,
    pub title: String,
    pub body: String,
    /// `None`: every active tenant (platform-wide events).
    pub client: Option<ClientId>,
    pub group_id: Option<Uuid>,
    pub agent_id: Option<AgentId>,
}

struct Source {
    client: Option<ClientId>,
    agent: Option<AgentId>,
    at: Option<DateTime<Utc>>,
}

fn source(m: Option<&v1::EventMeta>) -> Source {
    Source {
        client: m.and_then(|m| ClientId::parse(&m.client_id).ok()),
        agent: m.and_then(|m| AgentId::parse(&m.agent_id).ok()),
        at: m.and_then(|m| spot_platform::time::from_wire_opt(&m.occurred_at)),
    }
}

fn short(id: Option<AgentId>) -> String {
    id.map_or_else(|| "unknown".to_owned(), |a| a.to_string())
}

fn draft(
    s: &Source,
    kind: NotificationKind,
    severity: Severity,
    title: String,
    body: String,
    group: Option<&str>,
) -> Draft {
    Draft {
        kind,
        severity,
        title,
        body,
        client: s.client,
        group_id: group.and_then(|g| Uuid::parse_str(g).ok()),
        agent_id: s.agent,
    }
}

/// A notification and the time of the event that made it.
type Made = (Draft, Option<DateTime<Utc>>);

/// Decodes an `E` and lets `make` turn it, with its source, into a
/// notification; the event's time comes along for the age check.
fn decoded<E: Event>(
    payload: &[u8],
    make: impl FnOnce(E, &Source) -> Option<Draft>,
) -> Result<Option<Made>, prost::DecodeError> {
    let e = E::decode(payload)?;
    let s = source(e.meta());
    Ok(make(e, &s).map(|d| (d, s.at)))
}

/// The notification an event makes, if any. A payload that does not decode
/// is an error (the consumer retries it and then dead-letters it).
pub fn from_bus(
    subject: &str,
    payload: &[u8],
    now: DateTime<Utc>,
) -> Result<Option<Draft>, prost::DecodeError> {
    let name = subject.split('.').nth(3).unwrap_or_default();
    let made = match name {
        "notice" => decoded(payload, |e: v1::NoticeReceived, s| {
            let deadline = spot_platform::time::from_wire_opt(&e.deadline)
                .map_or_else(|| "unknown".to_owned(), |d| d.to_rfc3339());
            (e.kind == "termination").then(|| {
                let body = format!(
                    "Agent {} received a Spot termination notice for instance {} (pool {}). Deadline {deadline}; action: {}{}.",
                    short(s.agent),
                    e.instance_id,
                    e.pool_id,
                    e.action,
                    if e.target_pool_id.is_empty() { String::new() } else { format!(" to {}", e.target_pool_id) },
                );
                let title = format!("Termination notice for {}", e.instance_id);
                draft(s, NotificationKind::TerminationNotice, Severity::Warning, title, body, None)
            })
        })?,
        "notice_changed" => decoded(payload, |e: v1::NoticeChanged, s| {
            let no_step_left = e.fallback.is_empty() || e.chain_exhausted;
            match (e.status.as_str(), e.kind.as_str(), no_step_left) {
                ("resolved", "termination", _) => {
                    let body = format!(
                        "The termination notice for instance {} was handled: the group has a healthy PRIMARY again{}.",
                        e.instance_id,
                        e.notice_to_promoted_ms.map_or_else(String::new, |ms| format!(
                            " ({:.1} s after the notice)",
                            ms as f64 / 1000.0
                        )),
                    );
                    let title = format!("Failover done for {}", e.instance_id);
                    Some(draft(s, NotificationKind::FailoverDone, Severity::Info, title, body, None))
                }
                ("failed", _, false) => {
                    let body = format!(
                        "A placement step for instance {} missed its deadline ({}). Next step: {}.",
                        e.instance_id, e.reason, e.fallback
                    );
                    let title = format!("Deadline missed for {}", e.instance_id);
                    Some(draft(s, NotificationKind::DeadlineMissed, Severity::Critical, title, body, None))
                }
                ("failed", _, true) => {
                    let body =
                        format!("Handling the notice for instance {} failed: {}.", e.instance_id, e.reason);
                    let title = format!("Failover failed for {}", e.instance_id);
                    Some(draft(s, NotificationKind::FailoverFailed, Severity::Critical, title, body, None))
                }
                _ => None,
            }
        })?,
        "return_to_spot" => decoded(payload, |e: v1::ReturnToSpotMarked, s| {
            let body = format!(
                "An emergency moved the group of instance {} to on-demand capacity ({}). It returns to spot when a safe pool is available.",
                e.instance_id, e.reason
            );
            let title = format!("Fell back to on-demand ({})", e.instance_id);
            let kind = NotificationKind::FellBackToOnDemand;
            Some(draft(s, kind, Severity::Warning, title, body, Some(&e.group_id)))
        })?,
        "decision_executed" => decoded(payload, |e: v1::DecisionExecuted, s| {
            let ok = e.status == "succeeded";
            let body = format!(
                "The automatic switch of decision {} to {} {} on the agent{}.",
                e.decision_id,
                if e.target_pool_id.is_empty() { "on-demand" } else { e.target_pool_id.as_str() },
                if ok { "ran" } else { "failed" },
                if e.message.is_empty() { String::new() } else { format!(": {}", e.message) },
            );
            let title = if ok { "Automatic switch executed" } else { "Automatic switch failed" }.to_owned();
            let severity = if ok { Severity::Info } else { Severity::Warning };
            Some(draft(s, NotificationKind::AutoSwitchExecuted, severity, title, body, Some(&e.group_id)))
        })?,
        "agent_status_changed" => decoded(payload, |e: v1::AgentStatusChanged, s| {
            (e.status == "offline").then(|| {
                let body = format!(
                    "Agent {} went offline ({}).",
                    short(s.agent),
                    if e.reason.is_empty() { "no reason given" } else { e.reason.as_str() }
                );
                let title = format!("Agent {} offline", short(s.agent));
                draft(s, NotificationKind::AgentOffline, Severity::Warning, title, body, None)
            })
        })?,
        "consolidation_finished" => decoded(payload, |e: v1::ConsolidationFinished, s| {
            (e.status == "failed").then(|| {
                let body = format!(
                    "Price consolidation run {} failed: {}. Prices and savings may be stale until the next run.",
                    e.job_id, e.error
                );
                let title = "Price consolidation failed".to_owned();
                let mut d = draft(s, NotificationKind::ConsolidationFailed, Severity::Warning, title, body, None);
                d.client = None;
                d.agent_id = None;
                d
            })
        })?,
        _ => None,
    };
    Ok(made.and_then(|(d, at)| match at {
        Some(at) if now - at > MAX_EVENT_AGE => None,
        _ => Some(clip(d)),
    }))
}

/// Keeps title and body within the table's limits (300 and 4000 characters).
fn clip(mut d: Draft) -> Draft {
    if d.title.chars().count() > 300 {
        d.title = d.title.chars().take(300).collect();
    }
    if d.body.chars().count() > 4000 {
        d.body = d.body.chars().take(4000).collect();
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use spot_contracts::Event;

    const C: &str = "0190f5a6-0000-7000-8000-000000000001";
    const A: &str = "0190f5a6-0000-7000-8000-0000000000aa";

    fn meta(at: DateTime<Utc>) -> Option<v1::EventMeta> {
        Some(v1::EventMeta {
            event_id: "e".into(),
            occurred_at: Some(spot_platform::time::to_wire(at)),
            client_id: C.into(),
            agent_id: A.into(),
            ..Default::default()
        })
    }

    fn run<E: Event>(e: &E) -> Option<Draft> {
        from_bus(&e.subject(), &e.encode_to_vec(), Utc::now()).ok().flatten()
    }

    fn kind_of<E: Event>(e: &E) -> Option<(NotificationKind, Severity)> {
        run(e).map(|d| (d.kind, d.severity))
    }

    #[test]
    fn termination_notices_notify_and_rebalances_do_not() {
        let mut n = v1::NoticeReceived {
            meta: meta(Utc::now()),
            kind: "termination".into(),
            instance_id: "i-1".into(),
            ..Default::default()
        };
        let d = run(&n);
        assert_eq!(
            d.as_ref().map(|d| (d.kind, d.severity)),
            Some((NotificationKind::TerminationNotice, Severity::Warning))
        );
        assert_eq!(d.as_ref().and_then(|d| d.client).map(|c| c.to_string()).as_deref(), Some(C));
        assert_eq!(d.as_ref().and_then(|d| d.agent_id).map(|a| a.to_string()).as_deref(), Some(A));
        assert!(d.is_some_and(|d| d.title.contains("i-1")));
        n.kind = "rebalance".into();
        assert_eq!(run(&n), None);
    }

    #[test]
    fn notice_outcomes() {
        let mut c = v1::NoticeChanged {
            meta: meta(Utc::now()),
            kind: "termination".into(),
            status: "resolved".into(),
            ..Default::default()
        };
        assert_eq!(kind_of(&c), Some((NotificationKind::FailoverDone, Severity::Info)));
        c.status = "failed".into();
        c.fallback = "pool:t3.medium:us-east-1b".into();
        assert_eq!(kind_of(&c), Some((NotificationKind::DeadlineMissed, Severity::Critical)));
        c.fallback = "exhausted".into();
        c.chain_exhausted = true;
        assert_eq!(
            kind_of(&c),
            Some((NotificationKind::FailoverFailed, Severity::Critical)),
            "on-demand failed too"
        );
        c.chain_exhausted = false;
        c.fallback.clear();
        assert_eq!(kind_of(&c), Some((NotificationKind::FailoverFailed, Severity::Critical)));
        c.status = "handling".into();
        assert_eq!(kind_of(&c), None);
        c.status = "resolved".into();
        c.kind = "rebalance".into();
        assert_eq!(kind_of(&c), None);
    }

    #[test]
    fn fallback_auto_switch_offline_and_consolidation() {
        let group = "0190f5a6-0000-7000-8000-0000000000bb";
        let r =
            v1::ReturnToSpotMarked { meta: meta(Utc::now()), group_id: group.into(), ..Default::default() };
        let d = run(&r);
        assert_eq!(d.as_ref().map(|d| d.kind), Some(NotificationKind::FellBackToOnDemand));
        assert_eq!(d.and_then(|d| d.group_id).map(|g| g.to_string()).as_deref(), Some(group));
        let mut x =
            v1::DecisionExecuted { meta: meta(Utc::now()), status: "succeeded".into(), ..Default::default() };
        assert_eq!(kind_of(&x), Some((NotificationKind::AutoSwitchExecuted, Severity::Info)));
        x.status = "failed".into();
        assert_eq!(kind_of(&x), Some((NotificationKind::AutoSwitchExecuted, Severity::Warning)));
        let mut s =
            v1::AgentStatusChanged { meta: meta(Utc::now()), status: "offline".into(), ..Default::default() };
        assert_eq!(kind_of(&s), Some((NotificationKind::AgentOffline, Severity::Warning)));
        s.status = "online".into();
        assert_eq!(kind_of(&s), None);
        let mut f = v1::ConsolidationFinished {
            meta: meta(Utc::now()),
            status: "failed".into(),
            ..Default::default()
        };
        let d = run(&f);
        assert_eq!(
            d.as_ref().map(|d| (d.kind, d.client)),
            Some((NotificationKind::ConsolidationFailed, None))
        );
        f.status = "succeeded".into();
        assert_eq!(run(&f), None);
    }

    #[test]
    fn old_events_unknown_subjects_and_garbage() {
        let old = v1::AgentStatusChanged {
            meta: meta(Utc::now() - chrono::TimeDelta::hours(25)),
            status: "offline".into(),
            ..Default::default()
        };
        assert_eq!(run(&old), None);
        let hb = v1::HeartbeatReceived { meta: meta(Utc::now()), ..Default::default() };
        assert_eq!(run(&hb), None);
        assert!(from_bus("spot.v1.emergency.notice.c.a", b"\xff\xff\xff\xff", Utc::now()).is_err());
        let long = v1::NoticeChanged {
            meta: meta(Utc::now()),
            status: "failed".into(),
            reason: "x".repeat(10_000),
            instance_id: "i".repeat(500),
            ..Default::default()
        };
        assert!(run(&long).is_some_and(|d| d.title.chars().count() <= 300 && d.body.chars().count() <= 4000));
    }
}
