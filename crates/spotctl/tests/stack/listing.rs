//! Operator listings: pagination and tenant scoping.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn listings_page_with_a_cursor_and_stay_inside_the_tenant() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let (acme_id, token) = t.tenant("acme").await?;
    let (_, other) = t.tenant("other").await?;
    for i in 0..3 {
        let mut body = fixture_body("post_agents_register")?;
        body["logical_agent_id"] = json!(format!("web-{i}"));
        let (status, _, _) = t.send("POST", "/api/agents/register", &token, Some(&body.to_string())).await?;
        assert_eq!(status, 200);
    }
    let (status, _, page) = t.send("GET", "/api/agents?limit=2", &token, None).await?;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    let cursor = page["next_cursor"].as_str().unwrap_or_default().to_owned();
    assert!(!cursor.is_empty());
    let (_, _, last) = t.send("GET", &format!("/api/agents?limit=2&after={cursor}"), &token, None).await?;
    assert_eq!(last["items"].as_array().map(Vec::len), Some(1));
    assert!(last["next_cursor"].is_null());
    assert_eq!(last["items"][0]["enabled"], true);

    let (_, _, groups) = t.send("GET", "/api/groups", &token, None).await?;
    assert_eq!(groups["items"].as_array().map(Vec::len), Some(3));
    assert!(groups["items"][0]["primary_instance_id"].is_string());
    let (_, _, primaries) = t.send("GET", "/api/instances?role=primary", &token, None).await?;
    assert_eq!(primaries["items"].as_array().map(Vec::len), Some(3));

    let (_, _, theirs) = t.send("GET", "/api/agents", &other, None).await?;
    assert_eq!(theirs["items"], json!([]), "another tenant sees nothing");
    let (status, _, admin) = t.send("GET", &format!("/api/groups?client_id={acme_id}"), ADMIN, None).await?;
    assert_eq!((status, admin["items"].as_array().map(Vec::len)), (200, Some(3)));
    let (status, _, bad) = t.send("GET", "/api/agents?after=not-a-uuid", &token, None).await?;
    assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("invalid_field")));
    let (status, _, _) = t.send("GET", "/api/commands", "nope", None).await?;
    assert_eq!(status, 401);
    Ok(())
}

#[tokio::test]
async fn polling_is_served_from_the_cache() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    for _ in 0..10 {
        let (status, _, _) = t.send("GET", &format!("/api/agents/{agent}/config"), &token, None).await?;
        assert_eq!(status, 200);
        let (status, _, _) =
            t.send("GET", &format!("/api/agents/{agent}/pending-commands"), &token, None).await?;
        assert_eq!(status, 200);
    }
    let metrics = t.http.get(t.url("/metrics")).send().await?.text().await?;
    // Registration stored the new agent's answers: not one poll reached lifecycle.
    for (kind, outcome, n) in [("config", "hit", 10), ("pending_commands", "hit", 10)] {
        let line = format!("spot_gateway_cache_lookups_total{{kind=\"{kind}\",outcome=\"{outcome}\"}} {n}");
        assert!(metrics.contains(&line), "missing {line}");
    }
    assert!(!metrics.contains("outcome=\"miss\""), "a poll missed the cache");
    Ok(())
}
