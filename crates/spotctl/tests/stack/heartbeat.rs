use crate::helpers::*;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_heartbeat_posted_over_http_is_visible_in_lifecycle_within_one_second() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    assert_eq!(t.heartbeat_count(&agent).await?, Some((0, "online".into())));

    let body = fixture_body("post_heartbeat")?.to_string();
    let sent = Instant::now();
    let (status, _, json) =
        t.send("POST", &format!("/api/agents/{agent}/heartbeat"), &token, Some(&body)).await?;
    assert_eq!(status, 200, "{json}");
    assert!(json.is_object());
    loop {
        if t.heartbeat_count(&agent).await? == Some((1, "online".into())) {
            break;
        }
        assert!(sent.elapsed() < Duration::from_secs(1), "heartbeat not visible within 1 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

#[tokio::test]
async fn the_shutdown_heartbeat_takes_the_agent_offline_at_once() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    let body = fixture_body("post_heartbeat_shutdown")?.to_string();
    let (status, _, _) =
        t.send("POST", &format!("/api/agents/{agent}/heartbeat"), &token, Some(&body)).await?;
    assert_eq!(status, 200);
    let applied = async || t.heartbeat_count(&agent).await;
    eventually("agent offline", Duration::from_secs(5), applied, |c| *c == Some((1, "offline".into())))
        .await?;
    Ok(())
}

#[tokio::test]
async fn every_registration_mints_a_new_agent_id() -> anyhow::Result<()> {
    let (t, token, a) = TestStack::with_agent("acme").await?;
    let b = t.register(&token).await?;
    assert_ne!(a, b);
    let body = fixture_body("post_agents_register")?.to_string();
    let (_, _, json) = t.send("POST", "/api/agents/register", &token, Some(&body)).await?;
    assert!(json["config"].is_object(), "config must be an object: {json}");
    assert_eq!(json["config"]["enabled"], serde_json::Value::Bool(true));
    Ok(())
}
