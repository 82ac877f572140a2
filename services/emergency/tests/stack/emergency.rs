//! Spot interruptions end to end: v4 termination-imminent and
//! rebalance-recommendation, automatic promotion, deadlines and the
//! fallback chain, prespin for typed agents, and two emergency service
//! instances handling the same notices.

use crate::helpers::*;
use chrono::{Duration as ChronoDuration, Utc};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const INSTANCE: &str = "i-0414c8d1bb16a226c";

fn notice_body(seconds_left: i64) -> String {
    let mut body = fixture_body("post_termination-imminent").unwrap_or_default();
    let t = Utc::now() + ChronoDuration::seconds(seconds_left);
    body["termination_time"] = t.format("%Y-%m-%dT%H:%M:%SZ").to_string().into();
    body.to_string()
}

async fn role(t: &TestStack, instance: &str) -> anyhow::Result<String> {
    let v = t.row(&format!("SELECT role FROM lifecycle.instances WHERE instance_id = '{instance}'")).await?;
    Ok(v["role"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn v4_notice_repeated_twenty_times_launches_one_replica_which_is_promoted_when_ready()
-> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    let answers = t.notices(&agent, &token, &notice_body(120), 20).await?;
    let truthy = answers.iter().filter(|a| a["create_emergency_replica"] == true).count();
    assert_eq!(truthy, 1, "exactly one replica instruction: {answers:?}");
    assert_eq!(answers[0]["create_emergency_replica"], true);
    // A lone notice in a pool that looks fine: v4's own-pool replica is acceptable.
    assert_eq!(answers[0]["action"], "same_pool_replica");
    assert_eq!(answers[0]["target_pool_id"], "t3.medium.us-east-1a", "v4 launches in its own pool");
    assert!(answers[0]["deadline"].is_string());
    assert_eq!(answers[19]["action"], "waiting_for_replica");

    // The agent launched the replica; once running it reports it ready.
    let body = json!({"instance_id": "i-emergency1", "replica_type": "emergency", "parent_instance_id": INSTANCE,
                      "pool_id": "t3.medium.us-east-1a", "status": "ready"});
    let (status, _, replica) =
        t.send("POST", &format!("/api/agents/{agent}/replicas"), &token, Some(&body.to_string())).await?;
    assert_eq!(status, 200, "{replica}");

    // Promoted automatically (lifecycle event -> emergency -> atomic promotion).
    let notice = t
        .row_when("SELECT * FROM emergency.notices WHERE kind = 'termination'", |v| v["status"] == "resolved")
        .await?;
    assert_eq!(notice["replica_instance_id"], "i-emergency1");
    for timing in ["decision_ms", "replica_ready_ms", "promoted_ms", "deadline_margin_ms"] {
        assert!(notice[timing].is_i64(), "{timing} missing: {notice}");
    }
    assert!(notice["deadline_margin_ms"].as_i64().unwrap_or(-1) > 60_000, "{notice}");
    assert_eq!(role(&t, "i-emergency1").await?, "PRIMARY");
    assert_eq!(role(&t, INSTANCE).await?, "ZOMBIE");

    // The noticed agent goes passive; the replica's own agent registers active.
    let (_, _, config) = t.send("GET", &format!("/api/agents/{agent}/config"), &token, None).await?;
    assert_eq!(config["enabled"], false);
    let mut reg = fixture_body("post_agents_register")?;
    reg["instance_id"] = "i-emergency1".into();
    let (_, _, registered) = t.send("POST", "/api/agents/register", &token, Some(&reg.to_string())).await?;
    assert_eq!(registered["config"]["enabled"], true, "{registered}");

    // Status and events.
    let (_, _, status) =
        t.send("GET", &format!("/api/agents/{agent}/emergency-status"), &token, None).await?;
    assert_eq!((status["status"].as_str(), status["kind"].as_str()), (Some("resolved"), Some("termination")));
    assert_eq!(status["replica_status"], "promoted");
    let outbox = t
        .row(
            "SELECT count(*) FILTER (WHERE event_type = 'spot.v1.NoticeReceived') AS received,
                               count(*) FILTER (WHERE event_type = 'spot.v1.NoticeChanged') AS changed
                        FROM emergency.outbox",
        )
        .await?;
    assert_eq!((outbox["received"].as_i64(), outbox["changed"].as_i64()), (Some(1), Some(1)));
    // Later repeats report the outcome, never a new replica.
    let (_, late) = t.notice(&agent, &token, &notice_body(100)).await?;
    assert_eq!(late["create_emergency_replica"], false, "{late}");
    assert_eq!(late["action"], "promoted", "{late}");
    Ok(())
}

#[tokio::test]
async fn a_ready_replica_is_promoted_in_the_same_request() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    let body = json!({"instance_id": "i-standby", "replica_type": "manual", "pool_id": "t3.medium.us-east-1b", "status": "ready"});
    t.send("POST", &format!("/api/agents/{agent}/replicas"), &token, Some(&body.to_string())).await?;
    // Emergency learns the replica from lifecycle's event (its projection).
    t.row_when("SELECT count(*) AS n FROM emergency.group_replicas WHERE status = 'ready'", |v| v["n"] == 1)
        .await?;
    let (status, answer) = t.notice(&agent, &token, &notice_body(120)).await?;
    assert_eq!(status, 200);
    assert_eq!(answer["create_emergency_replica"], false, "{answer}");
    assert_eq!((answer["action"].as_str(), answer["status"].as_str()), (Some("promoted"), Some("resolved")));
    assert_eq!(role(&t, "i-standby").await?, "PRIMARY");
    assert_eq!(role(&t, INSTANCE).await?, "ZOMBIE");
    let replicas = t.row("SELECT count(*) AS n FROM lifecycle.replicas").await?;
    assert_eq!(replicas["n"], 1, "no new replica");
    let primaries = t.row("SELECT count(*) AS n FROM lifecycle.instances WHERE role = 'PRIMARY'").await?;
    assert_eq!(primaries["n"], 1);
    Ok(())
}

#[tokio::test]
async fn a_missed_deadline_runs_the_fallback_chain_as_switch_commands_down_to_on_demand() -> anyhow::Result<()>
{
    // Each fallback step gets a 5 s window in this test (120 s by default).
    let t = TestStack::start_with(|s| s.source.set("SPOT_NOTICE_DEADLINE_SECS", "5")).await?;
    let (_, token) = t.tenant("acme").await?;
    let agent = t.register(&token).await?;
    // Boot history: t3.medium.us-east-1b boots fast and is tried first; 1c is
    // next. The noticed pool is `avoid`, so v4 gets no same-pool replica.
    t.db.execute_unprepared(
        "INSERT INTO emergency.boot_samples (sample_key, pool_id, seconds, source) VALUES
           ('a1', 't3.medium.us-east-1b', 30, 'test'), ('a2', 't3.medium.us-east-1b', 32, 'test'), ('a3', 't3.medium.us-east-1b', 34, 'test'),
           ('b1', 't3.medium.us-east-1c', 50, 'test'), ('b2', 't3.medium.us-east-1c', 52, 'test'), ('b3', 't3.medium.us-east-1c', 54, 'test');
         INSERT INTO emergency.pool_risk (pool_id, score, recommendation, analyzed_at)
           VALUES ('t3.medium.us-east-1a', 0.9, 'avoid', now())",
    )
    .await?;
    let (_, answer) = t.notice(&agent, &token, &notice_body(2)).await?;
    assert_eq!(answer["create_emergency_replica"], false, "no same-pool replica in an avoid pool: {answer}");
    assert_eq!(
        (answer["action"].as_str(), answer["target_pool_id"].as_str()),
        (Some("switch"), Some("t3.medium.us-east-1b"))
    );
    // The switch is queued right after the answer (docs/EMERGENCY.md).
    let first = t
        .row_when(
            "SELECT id::text, deadline, priority, command_type, target_pool_id FROM lifecycle.commands",
            |v| v["command_type"].is_string(),
        )
        .await?;
    assert_eq!((first["command_type"].as_str(), first["priority"].as_i64()), (Some("SWITCH"), Some(100)));
    assert!(first["deadline"].is_string(), "deadline = the notice's termination time: {first}");

    // The step deadlines pass: next safe pool, then on-demand, each a switch
    // command v4 runs, each on the notice's timeline.
    let done = t.row_when("SELECT * FROM emergency.notices", |v| v["fallback"] == "ondemand").await?;
    assert_eq!(done["status"], "failed");
    assert_eq!(done["deadline_missed"], true);
    assert_eq!(done["reason"], "deadline passed without a running replacement");
    let (_, _, status) =
        t.send("GET", &format!("/api/agents/{agent}/emergency-status"), &token, None).await?;
    let steps: Vec<(String, String)> = status["steps"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    let target =
                        s["target_pool_id"].as_str().or(s["target_mode"].as_str()).unwrap_or_default();
                    (s["step"].as_str().unwrap_or_default().to_owned(), target.to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    let expected =
        [("switch", "t3.medium.us-east-1b"), ("fallback", "t3.medium.us-east-1c"), ("fallback", "ondemand")];
    assert_eq!(steps, expected.map(|(a, b)| (a.to_owned(), b.to_owned())).to_vec(), "{status}");
    assert_eq!(status["return_to_spot"], true, "on-demand marks the group for return to spot: {status}");
    let marked = t
        .row("SELECT count(*) AS n FROM emergency.outbox WHERE event_type = 'spot.v1.ReturnToSpotMarked'")
        .await?;
    assert_eq!(marked["n"], 1);

    // Old steps' commands expired (deadline or superseded), audited; only the
    // on-demand switch is handed out.
    let commands = t.row("SELECT count(*) FILTER (WHERE status = 'expired') AS expired,
                count(*) FILTER (WHERE status IN ('pending', 'delivered')) AS open,
                count(*) FILTER (WHERE status IN ('pending', 'delivered') AND target_mode = 'ondemand') AS ondemand
         FROM lifecycle.commands",
    )
    .await?;
    assert_eq!(
        (commands["expired"].as_i64(), commands["open"].as_i64(), commands["ondemand"].as_i64()),
        (Some(2), Some(1), Some(1)),
        "{commands}"
    );
    let audited = t.row("SELECT count(*) AS n FROM lifecycle.lifecycle_events WHERE event_type IN ('command_expired', 'command_superseded')",
    )
    .await?;
    assert_eq!(audited["n"], 2);
    let pending = t.pending_commands(&agent, &token).await?;
    let list = pending.as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 1, "{pending}");
    assert_eq!(
        (list[0]["target_mode"].as_str(), list[0]["priority"].as_i64()),
        (Some("ondemand"), Some(100))
    );
    assert_ne!(list[0]["id"], first["id"], "an expired command is never handed out again");

    // The replica that arrives late is still promoted: the group gets its PRIMARY back.
    let body = json!({"instance_id": "i-late", "replica_type": "emergency", "pool_id": "t3.medium.us-east-1b", "status": "ready"});
    t.send("POST", &format!("/api/agents/{agent}/replicas"), &token, Some(&body.to_string())).await?;
    let late = t.row_when("SELECT * FROM emergency.notices", |v| v["status"] == "resolved").await?;
    assert_eq!(late["deadline_missed"], true);
    assert!(late["deadline_margin_ms"].as_i64().unwrap_or(0) < 0, "{late}");
    assert_eq!(role(&t, "i-late").await?, "PRIMARY");
    Ok(())
}

#[tokio::test]
async fn prespin_launches_one_replica_before_any_notice() -> anyhow::Result<()> {
    let (t, token) = TestStack::with_tenant("acme").await?;
    let mut reg = fixture_body("post_agents_register")?;
    reg["agent_version"] = "5.0.0".into();
    let (_, _, registered) = t.send("POST", "/api/agents/register", &token, Some(&reg.to_string())).await?;
    let agent = registered["agent_id"].as_str().unwrap_or_default().to_owned();
    let resp = t
        .http
        .put(t.url(&format!("/api/agents/{agent}/emergency-policy")))
        .bearer_auth(&token)
        .json(&json!({"policy": "prespin"}))
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 200);
    let path = format!("/api/agents/{agent}/rebalance-notice");
    let mut answers = Vec::new();
    for _ in 0..3 {
        let (status, _, a) =
            t.send("POST", &path, &token, Some(r#"{"notice_time":"2026-11-22T10:32:04Z"}"#)).await?;
        assert_eq!(status, 200, "{a}");
        answers.push(a);
    }
    assert_eq!(answers[0]["status"], "acknowledged");
    assert_eq!(answers[0]["action"], "prespin", "{answers:?}");
    assert!(answers[0]["risk_score"].is_f64());
    let pending = t.pending_commands(&agent, &token).await?;
    let creates: Vec<&Value> = pending
        .as_array()
        .or_else(|| pending["commands"].as_array())
        .map(|a| a.iter().filter(|c| c["command_type"] == "CREATE_REPLICA").collect())
        .unwrap_or_default();
    assert_eq!(creates.len(), 1, "one replica for three recommendations: {pending}");
    assert_eq!(creates[0]["priority"], 100);
    let notices = t.row("SELECT count(*) AS n FROM emergency.notices").await?;
    assert_eq!(notices["n"], 1);

    // A v4 agent hears only switch or monitor.
    let v4 = t.register(&token).await?;
    let (_, a) = t
        .agent_post(
            &v4,
            "rebalance-recommendation",
            &token,
            &fixture_body("post_rebalance-recommendation")?.to_string(),
        )
        .await?;
    assert_eq!(a["action"], "monitor", "{a}");
    assert!(a["risk_score"].is_f64() && a["reason"].is_string());
    Ok(())
}

#[tokio::test]
async fn two_emergency_instances_handle_each_notice_once() -> anyhow::Result<()> {
    use crate::direct::emergency_ops;
    use spot_emergency::ops::termination;
    let t = TestStack::start().await?;
    let (client, token) = t.tenant("acme").await?;
    let instance = || emergency_ops(&t, &prometheus::Registry::new());
    let (a, b) = (instance()?, instance()?);
    let mut agents = Vec::new();
    for i in 0..10 {
        let mut reg = fixture_body("post_agents_register")?;
        reg["instance_id"] = format!("i-mass{i}").into();
        reg["logical_agent_id"] = format!("group-{i}").into();
        let (_, _, r) = t.send("POST", "/api/agents/register", &token, Some(&reg.to_string())).await?;
        agents.push(r["agent_id"].as_str().unwrap_or_default().parse::<uuid::Uuid>()?);
    }
    let client: uuid::Uuid = client.parse()?;
    let mut calls = Vec::new();
    for (i, agent) in agents.iter().enumerate() {
        for em in [&a, &b, &a, &b] {
            let notice = termination::Notice {
                client,
                agent: *agent,
                instance_id: format!("i-mass{i}"),
                termination_time: Some(Utc::now() + ChronoDuration::seconds(120)),
                termination_time_raw: None,
                detected_at: None,
            };
            let em = em.clone();
            calls.push(tokio::spawn(async move { termination::handle(&em, notice).await }));
        }
    }
    let mut truthy = std::collections::HashMap::new();
    for call in calls {
        let answer = call.await??;
        *truthy.entry(answer.notice_id.clone()).or_insert(0) += usize::from(answer.create_emergency_replica);
    }
    assert_eq!(truthy.len(), 10, "one notice per instance");
    assert!(truthy.values().all(|n| *n <= 1), "at most one replica instruction per notice: {truthy:?}");
    // Ten notices in one pool are a burst: the rest get one switch command
    // each instead of a same-pool replica (earlier same-pool ones escalated).
    let per_group = t.row_when("SELECT max(n) AS most, count(*) AS groups FROM (SELECT group_id, count(*) AS n FROM lifecycle.commands
           WHERE command_type = 'SWITCH' AND priority = 100 GROUP BY group_id) x",
        |v| v["groups"] == 10,
    )
    .await?;
    assert_eq!(per_group["most"], 1, "one switch command per notice: {per_group}");
    assert_eq!(per_group["groups"], 10, "every group of the burst got its switch: {per_group}");

    // Both instances see every replica-ready event: each group is promoted once.
    let mut promotions = Vec::new();
    for (i, agent) in agents.iter().enumerate() {
        let body =
            json!({"instance_id": format!("i-repl{i}"), "replica_type": "emergency", "status": "ready"});
        let (_, _, r) =
            t.send("POST", &format!("/api/agents/{agent}/replicas"), &token, Some(&body.to_string())).await?;
        let replica_id = r["replica_id"].as_str().unwrap_or_default().to_owned();
        let group = t
            .row(&format!("SELECT group_id::text AS g FROM lifecycle.replicas WHERE id = '{replica_id}'"))
            .await?;
        let record = spot_contracts::v1::ReplicaRecord {
            replica_id,
            group_id: group["g"].as_str().unwrap_or_default().to_owned(),
            instance_id: format!("i-repl{i}"),
            status: "ready".into(),
            role: "REPLICA".into(),
            ..Default::default()
        };
        for em in [&a, &b] {
            let (em, record) = (em.clone(), record.clone());
            promotions.push(tokio::spawn(async move {
                spot_emergency::ops::promotion::on_replica_ready(&em, &record).await
            }));
        }
    }
    for p in promotions {
        p.await??;
    }
    let done = t.row_when("SELECT count(*) FILTER (WHERE status = 'resolved') AS resolved, count(*) AS total FROM emergency.notices",
        |v| v["resolved"] == 10,
    )
    .await?;
    assert_eq!(done["total"], 10);
    let groups = t
        .row(
            "SELECT count(*) FILTER (WHERE n <> 1) AS bad FROM
           (SELECT g.id, count(i.*) FILTER (WHERE i.role = 'PRIMARY') AS n FROM lifecycle.groups g
            LEFT JOIN lifecycle.instances i ON i.group_id = g.id GROUP BY g.id) x",
        )
        .await?;
    assert_eq!(groups["bad"], 0, "every group has exactly one PRIMARY");
    let promoted = t.row("SELECT count(*) AS n FROM lifecycle.replicas WHERE status = 'promoted'").await?;
    assert_eq!(promoted["n"], 10, "one promotion per group");
    Ok(())
}
