//! What the emergency service does for groups of agent v4.0.0, which moves
//! a workload only through switch commands: a burst gets switch commands
//! (never a same-pool replica), the switch report resolves the notice, a
//! repeat asks lifecycle nothing, bad input is refused or absorbed, and a
//! rebalance `switch` is one priority-75 command.

use crate::helpers::*;
use chrono::{Duration as ChronoDuration, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;

/// Registers a v4 agent on `instance` in t3.medium / us-east-1a as its own group.
async fn v4_agent(t: &TestStack, token: &str, instance: &str) -> anyhow::Result<String> {
    let mut reg = fixture_body("post_agents_register")?;
    reg["instance_id"] = instance.into();
    reg["logical_agent_id"] = format!("group-{instance}").into();
    let (status, _, r) = t.send("POST", "/api/agents/register", token, Some(&reg.to_string())).await?;
    anyhow::ensure!(status == 200, "{r}");
    Ok(r["agent_id"].as_str().unwrap_or_default().to_owned())
}

fn notice(instance: &str, termination_time: &str) -> String {
    json!({"instance_id": instance, "termination_time": termination_time,
           "detected_at": "2026-11-22T10:32:18.821076"})
    .to_string()
}

fn in_two_minutes() -> String {
    (Utc::now() + ChronoDuration::seconds(120)).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

async fn seed_safe_pool(t: &TestStack) -> anyhow::Result<()> {
    t.db.execute_unprepared(
        "INSERT INTO emergency.boot_samples (sample_key, pool_id, seconds, source)
         SELECT 'seed-' || n, 't3.medium.us-east-1b', 30 + n, 'test' FROM generate_series(1, 3) n",
    )
    .await?;
    Ok(())
}

/// Pricing's risk advice on `pools` (`(pool, score, recommendation)`).
async fn seed_risk(t: &TestStack, pools: &[(&str, f64, &str)]) -> anyhow::Result<()> {
    for (pool, score, advice) in pools {
        t.db.execute_unprepared(&format!(
            "INSERT INTO emergency.pool_risk (pool_id, score, recommendation, analyzed_at)
             VALUES ('{pool}', {score}, '{advice}', now())"
        ))
        .await?;
    }
    Ok(())
}

/// A v4 agent on `instance`, in a pool pricing advises to avoid, raises a
/// notice and is answered with a switch: its agent id, the notice body and
/// the notice row once its command is queued.
async fn switch_queued(
    t: &TestStack,
    token: &str,
    instance: &str,
) -> anyhow::Result<(String, String, serde_json::Value)> {
    seed_safe_pool(t).await?;
    seed_risk(t, &[("t3.medium.us-east-1a", 0.9, "avoid")]).await?;
    let agent = v4_agent(t, token, instance).await?;
    let body = notice(instance, &in_two_minutes());
    let (status, a) = t.notice(&agent, token, &body).await?;
    anyhow::ensure!((status, a["action"].as_str()) == (200, Some("switch")), "{a}");
    let queued =
        t.row_when("SELECT command_id::text FROM emergency.notices", |v| v["command_id"].is_string()).await?;
    Ok((agent, body, queued))
}

#[tokio::test]
async fn a_burst_in_one_az_gets_switch_commands_and_the_switch_report_resolves_the_notice()
-> anyhow::Result<()> {
    let (t, token) = TestStack::with_tenant("acme").await?;
    seed_safe_pool(&t).await?;
    let mut agents = Vec::new();
    for i in 0..4 {
        agents.push((v4_agent(&t, &token, &format!("i-burst{i}")).await?, format!("i-burst{i}")));
    }
    let deadline = in_two_minutes();
    let mut answers = Vec::new();
    for (agent, instance) in &agents {
        answers.extend(t.notices(agent, &token, &notice(instance, &deadline), 3).await?);
    }
    // Only the first notice, before the burst showed, may get a same-pool replica.
    let truthy = answers.iter().filter(|a| a["create_emergency_replica"] == true).count();
    assert!(truthy <= 1, "{answers:#?}");
    // Commands are queued right after the answers (docs/EMERGENCY.md).
    t.row_when("SELECT count(*) AS n FROM emergency.notices WHERE command_id IS NULL", |v| v["n"] == 0)
        .await?;
    for (agent, _) in &agents {
        let pending = t.pending_commands(agent, &token).await?;
        let list = pending.as_array().cloned().unwrap_or_default();
        assert_eq!(list.len(), 1, "exactly one switch command per notice: {pending}");
        let c = &list[0];
        assert_eq!((c["target_mode"].as_str(), c["priority"].as_i64()), (Some("spot"), Some(100)), "{c}");
        assert_eq!(c["target_pool_id"], "t3.medium.us-east-1b", "away from the reclaimed AZ: {c}");
        assert!(
            c["deadline"].as_str().is_some_and(|d| d.starts_with(&deadline[..19])),
            "deadline = termination time: {c}"
        );
    }
    let steps = t
        .row("SELECT count(*) FILTER (WHERE step = 'escalated') AS escalated FROM emergency.notice_steps")
        .await?;
    assert_eq!(steps["escalated"].as_i64(), Some(truthy as i64), "every same-pool replica was escalated");

    // The first agent runs its command: the switch report makes the new
    // instance PRIMARY and resolves the notice.
    let (agent, instance) = &agents[0];
    let pending = t.pending_commands(agent, &token).await?;
    let command = pending[0]["id"].as_str().unwrap_or_default().to_owned();
    let mut report = fixture_body("post_switch-report")?;
    report["old_instance"]["instance_id"] = instance.as_str().into();
    report["new_instance"]["instance_id"] = "i-moved0".into();
    let (status, r) = t.agent_post(agent, "switch-report", &token, &report.to_string()).await?;
    assert_eq!(status, 200, "{r}");
    let body = fixture_body("post_commands_command_id_executed")?.to_string();
    let (status, _, r) = t
        .send("POST", &format!("/api/agents/{agent}/commands/{command}/executed"), &token, Some(&body))
        .await?;
    assert_eq!(status, 200, "{r}");
    let resolved = t
        .row_when(&format!("SELECT * FROM emergency.notices WHERE instance_id = '{instance}'"), |v| {
            v["status"] == "resolved"
        })
        .await?;
    assert_eq!(resolved["deadline_missed"], false);
    assert!(resolved["deadline_margin_ms"].as_i64().unwrap_or(0) > 60_000, "{resolved}");
    let (_, late) = t.notice(agent, &token, &notice(instance, &deadline)).await?;
    assert_eq!(late["create_emergency_replica"], false, "{late}");
    assert_eq!(late["status"], "resolved", "{late}");
    Ok(())
}

#[tokio::test]
async fn a_repeated_notice_is_answered_without_calling_lifecycle() -> anyhow::Result<()> {
    use crate::direct::emergency_ops;
    use spot_emergency::ops::termination;
    let t = TestStack::start().await?;
    let (client, token) = t.tenant("acme").await?;
    let agent = v4_agent(&t, &token, "i-quiet").await?;
    // Wait until emergency's projection has the agent (lifecycle's event).
    t.row_when(
        &format!("SELECT count(*) AS n FROM emergency.group_agents WHERE agent_id = '{agent}'"),
        |v| v["n"] == 1,
    )
    .await?;
    let registry = prometheus::Registry::new();
    let em = emergency_ops(&t, &registry)?;
    let calls = || -> u64 {
        registry
            .gather()
            .iter()
            .filter(|f| f.name() == "emergency_lifecycle_calls_total")
            .flat_map(|f| {
                f.get_metric().iter().map(|m| m.get_counter().get_value() as u64).collect::<Vec<_>>()
            })
            .sum()
    };
    let notice = termination::Notice {
        client: client.parse()?,
        agent: agent.parse()?,
        instance_id: "i-quiet".into(),
        termination_time: Some(Utc::now() + ChronoDuration::seconds(120)),
        termination_time_raw: None,
        detected_at: None,
    };
    let first = termination::handle(&em, notice.clone()).await?;
    assert!(first.create_emergency_replica, "a lone notice in a fine pool: same-pool replica");
    assert_eq!(calls(), 0, "a same-pool replica needs nothing from lifecycle");
    for _ in 0..10 {
        let again = termination::handle(&em, notice.clone()).await?;
        assert!(!again.create_emergency_replica);
        assert_eq!(again.notice_id, first.notice_id);
    }
    assert_eq!(calls(), 0, "repeats are answered from emergency's own tables");
    Ok(())
}

#[tokio::test]
async fn bad_notices_are_refused_or_absorbed_never_a_5xx() -> anyhow::Result<()> {
    let (t, token) = TestStack::with_tenant("acme").await?;
    let (_, other) = t.tenant("globex").await?;
    seed_safe_pool(&t).await?;
    let agent = v4_agent(&t, &token, "i-odd").await?;
    let body = notice("i-odd", &in_two_minutes());

    // Unknown and foreign agents: 404 with a stable code, nothing recorded.
    for (who, tok) in [(uuid::Uuid::now_v7().to_string(), token.as_str()), (agent.clone(), other.as_str())] {
        let (status, err) = t.notice(&who, tok, &body).await?;
        assert_eq!(status, 404, "{err}");
        assert_eq!(err["error"]["code"], "agent_not_found", "{err}");
    }
    assert_eq!(t.row("SELECT count(*) AS n FROM emergency.notices").await?["n"], 0);

    // An unreadable termination time: accepted, recorded as given, deadline now,
    // straight down the fallback chain; repeats add nothing.
    for a in t.notices(&agent, &token, &notice("i-odd", "soon-ish"), 3).await? {
        assert_eq!(a["create_emergency_replica"], false, "no time for a replica: {a}");
    }
    let n = t.row("SELECT * FROM emergency.notices").await?;
    assert_eq!(n["termination_time_raw"], "soon-ish");
    assert_eq!(n["deadline_missed"], true);
    assert_eq!(n["target_pool_id"], "t3.medium.us-east-1b", "{n}");
    t.row_when("SELECT count(*) AS n FROM emergency.notices WHERE command_id IS NULL", |v| v["n"] == 0)
        .await?;
    let counts = t.row("SELECT (SELECT count(*) FROM emergency.notices) AS notices, (SELECT count(*) FROM lifecycle.commands) AS commands",
    )
    .await?;
    assert_eq!((counts["notices"].as_i64(), counts["commands"].as_i64()), (Some(1), Some(1)), "{counts}");

    // A termination time already past: the same, for another agent.
    let late = v4_agent(&t, &token, "i-late").await?;
    let past = (Utc::now() - ChronoDuration::seconds(30)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let (status, a) = t.notice(&late, &token, &notice("i-late", &past)).await?;
    assert_eq!(status, 200, "{a}");
    let n = t
        .row_when("SELECT * FROM emergency.notices WHERE instance_id = 'i-late'", |v| {
            v["command_id"].is_string()
        })
        .await?;
    assert_eq!((n["deadline_missed"].as_bool(), n["action"].as_str()), (Some(true), Some("switch")), "{n}");
    let pending = t.pending_commands(&late, &token).await?;
    assert_eq!(
        pending.as_array().map(Vec::len),
        Some(1),
        "the fallback switch is still handed out: {pending}"
    );
    Ok(())
}

#[tokio::test]
async fn rebalance_switch_is_one_priority_75_command_never_under_an_open_notice() -> anyhow::Result<()> {
    let (t, token) = TestStack::with_tenant("acme").await?;
    seed_safe_pool(&t).await?;
    seed_risk(&t, &[("t3.medium.us-east-1a", 0.8, "avoid"), ("t3.medium.us-east-1b", 0.1, "safe")]).await?;
    let set_switch = |agent: String| {
        let (http, url, token) =
            (t.http.clone(), t.url(&format!("/api/agents/{agent}/emergency-policy")), token.clone());
        async move { http.put(url).bearer_auth(token).json(&json!({"policy": "switch"})).send().await }
    };
    let agent = v4_agent(&t, &token, "i-rebal").await?;
    assert_eq!(set_switch(agent.clone()).await?.status().as_u16(), 200);
    let mut rec = fixture_body("post_rebalance-recommendation")?;
    rec["instance_id"] = "i-rebal".into();
    for _ in 0..3 {
        let (status, a) = t.agent_post(&agent, "rebalance-recommendation", &token, &rec.to_string()).await?;
        assert_eq!((status, a["action"].as_str()), (200, Some("switch")), "{a}");
    }
    let pending = t.pending_commands(&agent, &token).await?;
    let list = pending.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 1, "once per recommendation: {pending}");
    assert_eq!(
        (list[0]["priority"].as_i64(), list[0]["target_pool_id"].as_str()),
        (Some(75), Some("t3.medium.us-east-1b"))
    );

    // Under an open termination notice the notice's own command moves the group.
    let noticed = v4_agent(&t, &token, "i-noticed").await?;
    assert_eq!(set_switch(noticed.clone()).await?.status().as_u16(), 200);
    let (_, a) = t.notice(&noticed, &token, &notice("i-noticed", &in_two_minutes())).await?;
    assert_eq!(a["action"], "switch", "avoid pool: a switch, not a same-pool replica: {a}");
    rec["instance_id"] = "i-noticed".into();
    let (_, a) = t.agent_post(&noticed, "rebalance-recommendation", &token, &rec.to_string()).await?;
    assert_eq!(a["action"], "monitor", "{a}");
    t.row_when("SELECT count(*) AS n FROM emergency.notices WHERE instance_id = 'i-noticed' AND kind = 'termination' AND command_id IS NULL", |v| v["n"] == 0)
        .await?;
    let pending = t.pending_commands(&noticed, &token).await?;
    let priorities: Vec<i64> = pending
        .as_array()
        .map(|a| a.iter().filter_map(|c| c["priority"].as_i64()).collect())
        .unwrap_or_default();
    assert_eq!(priorities, vec![100], "{pending}");
    Ok(())
}

/// The deciding task died before queueing (simulated by clearing the
/// command from the decided notice): the next repeat queues it again,
/// idempotently, so the group still has exactly one switch command.
#[tokio::test]
async fn a_repeat_queues_the_command_a_lost_task_never_queued() -> anyhow::Result<()> {
    let (t, token) = TestStack::with_tenant("acme").await?;
    let (agent, body, queued) = switch_queued(&t, &token, "i-lost").await?;
    t.db.execute_unprepared(
        "UPDATE emergency.notices SET command_id = NULL, decided_at = now() - interval '10 seconds';
         UPDATE emergency.notice_steps SET command_id = NULL",
    )
    .await?;
    let (status, again) = t.notice(&agent, &token, &body).await?;
    assert_eq!((status, again["create_emergency_replica"].as_bool()), (200, Some(false)), "{again}");
    let healed = t
        .row_when(
            "SELECT n.command_id::text AS command_id, (SELECT count(*) FROM emergency.notice_steps s WHERE s.command_id IS NOT NULL) AS steps
             FROM emergency.notices n",
            |v| v["command_id"].is_string() && v["steps"] == 1,
        )
        .await?;
    assert_eq!(healed["command_id"], queued["command_id"], "the same command, not a second one");
    assert_eq!(t.count("SELECT count(*) FROM lifecycle.commands").await?, 1);
    Ok(())
}

#[tokio::test]
async fn an_agent_restarted_under_a_notice_gets_its_predecessors_answer_and_nobody_else_does()
-> anyhow::Result<()> {
    let (t, token) = TestStack::with_tenant("acme").await?;
    seed_safe_pool(&t).await?;
    let before = v4_agent(&t, &token, "i-restart").await?;
    let body = notice("i-restart", &in_two_minutes());
    let (status, first) = t.notice(&before, &token, &body).await?;
    assert_eq!(status, 200, "{first}");
    // v4 registers anew at every start: same instance, same group, new id.
    let after = v4_agent(&t, &token, "i-restart").await?;
    assert_ne!(after, before);
    let (status, again) = t.notice(&after, &token, &body).await?;
    assert_eq!((status, again["create_emergency_replica"].as_bool()), (200, Some(false)), "{again}");
    assert_eq!(again["notice_id"], first["notice_id"], "the predecessor's notice: {first} / {again}");
    // An agent on another instance cannot read this instance's notice.
    let other = v4_agent(&t, &token, "i-elsewhere").await?;
    let (status, refused) = t.notice(&other, &token, &body).await?;
    assert_eq!(status, 404, "{refused}");
    assert_eq!(t.count("SELECT count(*) FROM emergency.notices").await?, 1);
    Ok(())
}

/// The notice's switch was queued for the agent that raised it; the agent
/// restarted before fetching it, so the switch moves to the new agent id
/// when it registers, and the new process reads it on its next poll
/// (docs/STATE_MACHINE.md, "A restarted agent inherits its pending commands").
#[tokio::test]
async fn an_agent_restarted_under_a_notice_inherits_the_notices_pending_switch() -> anyhow::Result<()> {
    let (t, token) = TestStack::with_tenant("acme").await?;
    let (before, _, queued) = switch_queued(&t, &token, "i-inherit").await?;
    // Restarted before its next poll: the command is still pending.
    let after = v4_agent(&t, &token, "i-inherit").await?;
    let moved = t
        .row_when("SELECT id::text, agent_id::text, status FROM lifecycle.commands", |v| {
            v["agent_id"].as_str() == Some(after.as_str())
        })
        .await?;
    assert_eq!(
        (moved["id"].clone(), moved["status"].as_str()),
        (queued["command_id"].clone(), Some("pending"))
    );
    let pending = eventually(
        "the new agent's poll shows the switch",
        std::time::Duration::from_secs(10),
        async || t.pending_commands(&after, &token).await,
        |p| p.as_array().is_some_and(|l| l.len() == 1),
    )
    .await?;
    assert_eq!(pending[0]["id"].as_str(), queued["command_id"].as_str(), "{pending}");
    assert_eq!(t.pending_commands(&before, &token).await?.as_array().map(Vec::len), Some(0));
    // An agent on another instance of another group takes nothing.
    let other = v4_agent(&t, &token, "i-bystander").await?;
    assert_eq!(t.pending_commands(&other, &token).await?.as_array().map(Vec::len), Some(0));
    Ok(())
}
