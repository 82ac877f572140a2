//! Lifecycle jobs and report consumers: ZOMBIE retention, inventory
//! reconciliation, cleanup logs, agent health metrics.

use crate::helpers::*;
use serde_json::json;
use spot_lifecycle::jobs::{inventory, zombies};
use std::time::Duration;

/// Waits up to 10 s for the `count(*)` of `sql` to be `want`.
async fn count_reaches(t: &TestStack, sql: &str, want: i64) -> anyhow::Result<()> {
    eventually(sql, Duration::from_secs(10), async || t.count(sql).await, |n| *n == want).await.map(drop)
}

/// A registered agent with a ready replica promoted over it: the first
/// instance is now a ZOMBIE.
async fn group_with_zombie(t: &TestStack, token: &str) -> anyhow::Result<String> {
    let agent = t.register(token).await?;
    let body = json!({"instance_id": "i-new", "replica_type": "manual", "status": "ready"}).to_string();
    let (_, _, replica) =
        t.send("POST", &format!("/api/agents/{agent}/replicas"), token, Some(&body)).await?;
    let rid = replica["replica_id"].as_str().unwrap_or_default();
    let (status, _, answer) =
        t.send("POST", &format!("/api/agents/{agent}/replicas/{rid}/promote"), token, None).await?;
    anyhow::ensure!(status == 200, "promote: {answer}");
    Ok(agent)
}

#[tokio::test]
async fn zombies_past_retention_become_terminated_once() -> anyhow::Result<()> {
    let (t, token) = TestStack::with_tenant("acme").await?;
    group_with_zombie(&t, &token).await?;
    assert_eq!(t.count("SELECT count(*) FROM lifecycle.instances WHERE role = 'ZOMBIE'").await?, 1);
    assert_eq!(zombies::sweep(&t.db, Duration::from_secs(3600)).await?, 0, "not due yet");
    let (a, b) = tokio::join!(zombies::sweep(&t.db, Duration::ZERO), zombies::sweep(&t.db, Duration::ZERO));
    assert_eq!(a? + b?, 1, "two concurrent sweeps terminate it exactly once");
    assert_eq!(t.count("SELECT count(*) FROM lifecycle.instances WHERE role = 'TERMINATED'").await?, 1);
    assert_eq!(zombies::sweep(&t.db, Duration::ZERO).await?, 0);
    assert_eq!(
        t.count("SELECT count(*) FROM lifecycle.lifecycle_events WHERE actor = 'system' AND event_type = 'role_changed'").await?,
        1
    );
    Ok(())
}

#[tokio::test]
async fn inventory_records_unknown_and_flags_missing_instances() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    let body = json!({"instance_id": "i-standby", "status": "ready"}).to_string();
    let (status, _, _) =
        t.send("POST", &format!("/api/agents/{agent}/replicas"), &token, Some(&body)).await?;
    assert_eq!(status, 200);
    let mut hb = fixture_body("post_heartbeat")?;
    hb["monitored_instances"] = json!(["i-0414c8d1bb16a226c", "i-stranger"]);
    hb["cpu_usage"] = json!(12.5);
    hb["error_count"] = json!(0);
    let (status, _, _) =
        t.send("POST", &format!("/api/agents/{agent}/heartbeat"), &token, Some(&hb.to_string())).await?;
    assert_eq!(status, 200);
    count_reaches(&t, "SELECT count(*) FROM lifecycle.agents WHERE cardinality(monitored_instances) = 2", 1)
        .await?;
    let (unknown, missing) = inventory::reconcile(&t.db).await?;
    assert_eq!((unknown, missing), (1, 1));
    assert_eq!(
        t.count("SELECT count(*) FROM lifecycle.unknown_instances WHERE instance_id = 'i-stranger'").await?,
        1
    );
    assert_eq!(
        t.count("SELECT count(*) FROM lifecycle.instances WHERE instance_id = 'i-standby' AND missing_since IS NOT NULL").await?,
        1
    );
    let (_, missing_again) = inventory::reconcile(&t.db).await?;
    assert_eq!(missing_again, 0, "reconciliation is idempotent");
    assert_eq!(
        t.count("SELECT count(*) FROM lifecycle.agent_health_metrics WHERE cpu_usage = 12.5 AND error_count = 0 AND memory_usage IS NULL").await?,
        1
    );
    Ok(())
}

#[tokio::test]
async fn cleanup_reports_are_logged_but_not_from_zombies() -> anyhow::Result<()> {
    let (t, token) = TestStack::with_tenant("acme").await?;
    let agent = group_with_zombie(&t, &token).await?; // this agent now sits on a ZOMBIE
    let (_, other) = t.tenant("other").await?;
    let active = t.register(&other).await?;
    let report = fixture_body("post_cleanup-report")?.to_string();
    for (tok, a) in [(&token, &agent), (&other, &active)] {
        let (status, _, _) =
            t.send("POST", &format!("/api/agents/{a}/cleanup-report"), tok, Some(&report)).await?;
        assert_eq!(status, 200);
    }
    count_reaches(&t, "SELECT count(*) FROM lifecycle.inbox WHERE consumer = 'lifecycle-cleanup'", 2).await?;
    assert_eq!(
        t.count("SELECT count(*) FROM lifecycle.cleanup_logs").await?,
        1,
        "the ZOMBIE's report is not stored"
    );
    let (status, _) = t
        .agent_post(&active, "pricing-report", &other, &fixture_body("post_pricing-report")?.to_string())
        .await?;
    assert_eq!(status, 200);
    Ok(())
}
