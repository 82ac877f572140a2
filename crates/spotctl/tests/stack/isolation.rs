//! Tenant isolation and idempotency of operator writes.

use crate::helpers::*;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

/// Every agent-scoped endpoint with a body that would be valid for its owner.
fn calls(agent: &str) -> Vec<(&'static str, String, Option<String>)> {
    let a = format!("/api/agents/{agent}");
    let rid = uuid::Uuid::now_v7();
    let body = |name: &str| fixture_body(name).map(|b| b.to_string()).ok();
    vec![
        ("POST", format!("{a}/heartbeat"), body("post_heartbeat")),
        ("GET", format!("{a}/config"), None),
        ("GET", format!("{a}/pending-commands"), None),
        ("POST", format!("{a}/commands/{rid}/executed"), body("post_commands_command_id_executed")),
        ("POST", format!("{a}/switch-report"), body("post_switch-report")),
        ("POST", format!("{a}/pricing-report"), body("post_pricing-report")),
        ("POST", format!("{a}/cleanup-report"), body("post_cleanup-report")),
        ("POST", format!("{a}/replicas"), body("post_replicas")),
        ("GET", format!("{a}/replicas"), None),
        ("POST", format!("{a}/replicas/{rid}/status"), Some(json!({"status": "ready"}).to_string())),
        ("POST", format!("{a}/replicas/{rid}/promote"), Some("{}".into())),
        ("GET", format!("{a}/replica-config"), None),
        ("GET", format!("{a}/settings"), None),
        (
            "POST",
            format!("{a}/issue-switch-command"),
            Some(json!({"target_mode": "ondemand", "request_id": "x-1"}).to_string()),
        ),
    ]
}

async fn fingerprint(t: &TestStack) -> anyhow::Result<String> {
    let row = t
        .db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT concat_ws('|',
                (SELECT count(*) FROM lifecycle.commands), (SELECT count(*) FROM lifecycle.switches),
                (SELECT count(*) FROM lifecycle.replicas), (SELECT count(*) FROM lifecycle.instances),
                (SELECT string_agg(role || version, ',' ORDER BY instance_id) FROM lifecycle.instances),
                (SELECT sum(version) FROM lifecycle.groups), (SELECT sum(heartbeat_count) FROM lifecycle.agents)) AS f"
                .to_owned(),
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row"))?;
    Ok(row.try_get("", "f")?)
}

#[tokio::test]
async fn another_tenants_token_gets_404_and_changes_nothing() -> anyhow::Result<()> {
    let (t, _owner, agent) = TestStack::with_agent("owner").await?;
    let (_, intruder) = t.tenant("intruder").await?;
    // Give the lifecycle consumer a heartbeat to have applied, so counts are settled.
    let before = fingerprint(&t).await?;
    for (method, path, body) in calls(&agent) {
        let (status, _, answer) = t.send(method, &path, &intruder, body.as_deref()).await?;
        assert_eq!(
            (status, answer["error"]["code"].as_str()),
            (404, Some("agent_not_found")),
            "{method} {path}: {answer}"
        );
        let (status, _, _) = t.send(method, &path, "no-such-token", body.as_deref()).await?;
        assert_eq!(status, 401, "{method} {path} without a valid token");
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(fingerprint(&t).await?, before, "an intruder changed state");
    Ok(())
}

#[tokio::test]
async fn the_same_request_id_twice_queues_one_command_with_identical_answers() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    let send = || async {
        let resp = t
            .http
            .post(t.url(&format!("/api/agents/{agent}/issue-switch-command")))
            .bearer_auth(&token)
            .header("X-Request-ID", "retry-me")
            .json(&json!({"target_mode": "ondemand"}))
            .send()
            .await?;
        anyhow::Ok((resp.status().as_u16(), resp.text().await?))
    };
    let first = send().await?;
    let second = send().await?;
    assert_eq!(first.0, 201);
    assert_eq!(first, second, "a retry must get the identical answer");
    let list = t.pending_commands(&agent, &token).await?;
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["target_mode"], "ondemand");
    // Without a request id it is the field dashboard's call (docs/CLIENT_DASHBOARD.md):
    // queued as a new command and answered 200, not refused.
    let (status, body) =
        t.agent_post(&agent, "issue-switch-command", &token, r#"{"target_mode": "spot"}"#).await?;
    assert_eq!((status, body["success"].as_bool()), (200, Some(true)), "{body}");
    Ok(())
}
