//! Bus events -> live messages (the kinds and fields of docs/EVENTS.md,
//! "Live updates"). Pure: the caller passes the subject, the payload and the
//! time to use when an event carries none.
//!
//! Fields the bus events do not carry today are `null` (and listed in the
//! docs): `group_id`, `from_pool` of `switch.executed`, `group_id` of
//! `notice.changed`, `pools` of `pricing.consolidated`.

use super::LiveEvent;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use spot_contracts::{Event, v1};
use spot_domain::ClientId;

/// Subject root of the gateway-to-gateway `notification.created` messages
/// (core NATS, JSON; not a stream). `<root>.<client_id>`.
pub const NOTIFICATION_SUBJECT: &str = "spot.live.notification_created";

/// Every subject the listener subscribes to.
pub fn subjects() -> Vec<String> {
    vec![
        v1::InstanceRoleChanged::filter(),
        v1::AgentStatusChanged::filter(),
        v1::SwitchCompleted::filter(),
        v1::NoticeReceived::filter(),
        v1::NoticeChanged::filter(),
        v1::DecisionMade::filter(),
        v1::ConsolidationFinished::filter(),
        format!("{NOTIFICATION_SUBJECT}.>"),
    ]
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn opt_ts(t: &Option<spot_contracts::Timestamp>) -> Value {
    spot_platform::time::from_wire_opt(t).map_or(Value::Null, |d| Value::String(rfc3339(d)))
}

fn text_or_null(s: &str) -> Value {
    if s.is_empty() { Value::Null } else { Value::String(s.to_owned()) }
}

/// Tenant, agent and time of an event's metadata.
struct Meta {
    client: Option<ClientId>,
    agent: Value,
    at: String,
}

fn meta(m: Option<&v1::EventMeta>, now: DateTime<Utc>) -> Meta {
    let client = m.and_then(|m| ClientId::parse(&m.client_id).ok());
    let agent = m.map_or(Value::Null, |m| text_or_null(&m.agent_id));
    let at = m.and_then(|m| spot_platform::time::from_wire_opt(&m.occurred_at)).unwrap_or(now);
    Meta { client, agent, at: rfc3339(at) }
}

/// Decodes an `E` and builds its live message: the common fields from the
/// metadata, then what `fields` makes of the event and its agent id.
fn live<E: Event>(
    payload: &[u8],
    now: DateTime<Utc>,
    kind: &'static str,
    fields: impl FnOnce(E, Value) -> Value,
) -> Option<LiveEvent> {
    let e = E::decode(payload).ok()?;
    let m = meta(e.meta(), now);
    let extra = fields(e, m.agent.clone());
    let mut data = json!({
        "kind": kind,
        "client_id": m.client.map(|c| c.to_string()),
        "at": m.at,
    });
    if let (Some(obj), Value::Object(extra)) = (data.as_object_mut(), extra) {
        obj.extend(extra);
    }
    Some(LiveEvent { kind, client: m.client, data })
}

/// `PRIMARY`, `REPLICA`, `ZOMBIE`, `TERMINATED` (or `UNSPECIFIED`).
pub fn role_name(raw: i32) -> &'static str {
    match v1::InstanceRole::try_from(raw) {
        Ok(v1::InstanceRole::Primary) => "PRIMARY",
        Ok(v1::InstanceRole::Replica) => "REPLICA",
        Ok(v1::InstanceRole::Zombie) => "ZOMBIE",
        Ok(v1::InstanceRole::Terminated) => "TERMINATED",
        _ => "UNSPECIFIED",
    }
}

/// The `<event>` segment of `spot.v1.<domain>.<event>.<client>.<agent>`.
fn event_name(subject: &str) -> &str {
    subject.split('.').nth(3).unwrap_or_default()
}

/// The live message for a bus message, if it is one the stream shows.
pub fn from_bus(subject: &str, payload: &[u8], now: DateTime<Utc>) -> Option<LiveEvent> {
    if subject.starts_with(NOTIFICATION_SUBJECT) {
        return notification(payload);
    }
    // The agent id rides in the metadata (empty for group-wide changes).
    match event_name(subject) {
        "role_changed" => live(payload, now, "instance.role_changed", |e: v1::InstanceRoleChanged, agent| {
            json!({
                "group_id": text_or_null(&e.group_id),
                "agent_id": agent,
                "instance_id": e.instance_id,
                "role": role_name(e.to_role),
                "from_role": role_name(e.from_role),
                "reason": e.reason,
            })
        }),
        "agent_status_changed" => live(
            payload,
            now,
            "agent.status_changed",
            |e: v1::AgentStatusChanged, agent| json!({"agent_id": agent, "status": e.status, "previous_status": e.previous_status, "reason": e.reason}),
        ),
        "switch_completed" => live(payload, now, "switch.executed", |e: v1::SwitchCompleted, agent| {
            json!({
                "group_id": Value::Null,
                "agent_id": agent,
                "from_pool": Value::Null,
                "to_pool": text_or_null(&e.new_pool_id),
                "downtime_seconds": e.downtime_seconds,
                "switch_id": e.switch_id,
                "trigger": e.trigger,
            })
        }),
        "notice" => live(payload, now, "notice.changed", |e: v1::NoticeReceived, agent| {
            json!({
                "notice_id": e.notice_id,
                "agent_id": agent,
                "group_id": Value::Null,
                "notice_kind": e.kind,
                "status": "detected",
                "action": e.action,
                "deadline": opt_ts(&e.deadline),
            })
        }),
        "notice_changed" => live(payload, now, "notice.changed", |e: v1::NoticeChanged, agent| {
            json!({
                "notice_id": e.notice_id,
                "agent_id": agent,
                "group_id": Value::Null,
                "notice_kind": e.kind,
                "status": e.status,
                "deadline": Value::Null,
                "fallback": text_or_null(&e.fallback),
            })
        }),
        "decision_made" => live(payload, now, "decision.made", |e: v1::DecisionMade, _| {
            json!({
                "decision_id": e.decision_id,
                "group_id": text_or_null(&e.group_id),
                "action": e.action,
                "model": e.model_name,
                "model_version": e.model_version,
                "arm": e.arm,
            })
        }),
        "consolidation_finished" => live(
            payload,
            now,
            "pricing.consolidated",
            |e: v1::ConsolidationFinished, _| json!({"job_id": e.job_id, "pools": Value::Null, "status": e.status, "records_processed": e.records_processed}),
        ),
        _ => None,
    }
}

/// The JSON the notification consumer publishes after a commit (already in
/// live form: `kind`, `client_id`, `at`, `notification_id`, `severity`, `title`).
fn notification(payload: &[u8]) -> Option<LiveEvent> {
    let data: Value = serde_json::from_slice(payload).ok()?;
    if data.get("kind").and_then(Value::as_str) != Some("notification.created") {
        return None;
    }
    let client = data.get("client_id").and_then(Value::as_str).and_then(|c| ClientId::parse(c).ok());
    Some(LiveEvent { kind: "notification.created", client, data })
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    fn meta_of(client: &str, agent: &str) -> Option<v1::EventMeta> {
        Some(v1::EventMeta {
            event_id: "e1".into(),
            occurred_at: Some(spot_platform::time::to_wire(
                DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z").map(|d| d.to_utc()).unwrap_or_default(),
            )),
            client_id: client.into(),
            agent_id: agent.into(),
            ..Default::default()
        })
    }

    /// The live message's data for an event, `null` when it shows none.
    fn data_of<E: Event>(e: &E, now: DateTime<Utc>) -> Value {
        from_bus(&e.subject(), &e.encode_to_vec(), now).map(|e| e.data).unwrap_or_default()
    }

    const C: &str = "0190f5a6-0000-7000-8000-000000000001";
    const A: &str = "0190f5a6-0000-7000-8000-0000000000aa";

    #[test]
    fn status_changes_carry_the_common_fields() {
        let e = v1::AgentStatusChanged {
            meta: meta_of(C, A),
            previous_status: "online".into(),
            status: "offline".into(),
            reason: "timeout".into(),
        };
        let ev = from_bus(&e.subject(), &e.encode_to_vec(), Utc::now());
        let ev = ev.unwrap_or(LiveEvent { kind: "none", client: None, data: Value::Null });
        assert_eq!(ev.kind, "agent.status_changed");
        assert_eq!(ev.client.map(|c| c.to_string()).as_deref(), Some(C));
        assert_eq!(ev.data["kind"], "agent.status_changed");
        assert_eq!(ev.data["client_id"], C);
        assert_eq!(ev.data["at"], "2026-01-02T03:04:05.000Z");
        assert_eq!(ev.data["agent_id"], A);
        assert_eq!(ev.data["status"], "offline");
    }

    #[test]
    fn role_changes_name_the_role() {
        let e = v1::InstanceRoleChanged {
            meta: meta_of(C, ""),
            group_id: "g1".into(),
            instance_id: "i-1".into(),
            from_role: v1::InstanceRole::Replica as i32,
            to_role: v1::InstanceRole::Primary as i32,
            ..Default::default()
        };
        let data = data_of(&e, Utc::now());
        assert_eq!(data["kind"], "instance.role_changed");
        assert_eq!(data["role"], "PRIMARY");
        assert_eq!(data["group_id"], "g1");
        assert_eq!(data["agent_id"], Value::Null);
    }

    #[test]
    fn switches_notices_decisions_and_consolidations() {
        let now = Utc::now();
        let s = v1::SwitchCompleted {
            meta: meta_of(C, A),
            new_pool_id: "t3.medium:us-east-1a".into(),
            downtime_seconds: Some(4.5),
            ..Default::default()
        };
        let d = data_of(&s, now);
        assert_eq!(
            (d["kind"].as_str(), d["to_pool"].as_str()),
            (Some("switch.executed"), Some("t3.medium:us-east-1a"))
        );
        assert_eq!(d["downtime_seconds"], 4.5);
        let received = v1::NoticeReceived {
            meta: meta_of(C, A),
            notice_id: "n1".into(),
            kind: "termination".into(),
            ..Default::default()
        };
        let changed = v1::NoticeChanged {
            meta: meta_of(C, A),
            notice_id: "n1".into(),
            status: "resolved".into(),
            ..Default::default()
        };
        for (d, status) in [(data_of(&received, now), "detected"), (data_of(&changed, now), "resolved")] {
            assert_eq!((d["kind"].as_str(), d["status"].as_str()), (Some("notice.changed"), Some(status)));
        }
        assert_eq!(data_of(&received, now)["notice_kind"], "termination");
        let m = v1::DecisionMade {
            meta: meta_of(C, A),
            decision_id: "d1".into(),
            model_name: "builtin".into(),
            arm: "a".into(),
            action: "SWITCH".into(),
            ..Default::default()
        };
        let d = data_of(&m, now);
        assert_eq!(
            (d["model"].as_str(), d["arm"].as_str(), d["action"].as_str()),
            (Some("builtin"), Some("a"), Some("SWITCH"))
        );
        let c = v1::ConsolidationFinished {
            meta: meta_of("_", ""),
            job_id: "j1".into(),
            status: "succeeded".into(),
            ..Default::default()
        };
        let ev = from_bus(&c.subject(), &c.encode_to_vec(), now);
        assert!(ev.as_ref().is_some_and(|e| e.client.is_none() && e.data["client_id"].is_null()));
        assert_eq!(ev.map(|e| e.data["job_id"].clone()), Some(Value::from("j1")));
    }

    #[test]
    fn other_subjects_and_garbage_are_ignored() {
        let now = Utc::now();
        let hb = v1::HeartbeatReceived { meta: meta_of(C, A), ..Default::default() };
        assert!(from_bus(&hb.subject(), &hb.encode_to_vec(), now).is_none());
        assert!(from_bus("spot.v1.lifecycle.agent_status_changed.c.a", b"\xff\xff\xff", now).is_none());
        assert!(from_bus(&format!("{NOTIFICATION_SUBJECT}.{C}"), b"not json", now).is_none());
        let ok = json!({"kind": "notification.created", "client_id": C, "at": "x", "notification_id": "n", "severity": "info", "title": "t"});
        let ev = from_bus(&format!("{NOTIFICATION_SUBJECT}.{C}"), ok.to_string().as_bytes(), now);
        assert_eq!(
            ev.map(|e| (e.kind, e.client.map(|c| c.to_string()))),
            Some(("notification.created", Some(C.to_owned())))
        );
    }
}
