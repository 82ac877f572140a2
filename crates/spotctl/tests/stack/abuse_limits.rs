//! Abuse limits against the real stack (docs/HARDENING.md): rates per
//! tenant and per agent, body, path and header limits, and the one
//! idempotency layer every write goes through.

use crate::helpers::*;
use serde_json::json;

async fn post(
    t: &TestStack,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: &str,
) -> anyhow::Result<(u16, reqwest::header::HeaderMap, String)> {
    let mut req = t.http.post(t.url(path)).bearer_auth(token).header("Content-Type", "application/json");
    if let Some(key) = key {
        req = req.header("X-Request-ID", key);
    }
    let resp = req.body(body.to_owned()).send().await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    Ok((status, headers, resp.text().await?))
}

#[tokio::test]
async fn an_agent_over_its_rate_gets_429_with_retry_after_and_others_do_not() -> anyhow::Result<()> {
    let t = TestStack::start_with_env(&[("SPOT_RATE_AGENT_PER_SEC", "1"), ("SPOT_RATE_AGENT_BURST", "5")])
        .await?;
    let (_, token) = t.tenant("acme").await?;
    let (noisy, quiet) = (t.register(&token).await?, t.register(&token).await?);
    let mut statuses = Vec::new();
    for _ in 0..8 {
        let (status, headers, body) =
            t.send("GET", &format!("/api/agents/{noisy}/config"), &token, None).await?;
        if status == 429 {
            assert_eq!(body["error"]["code"], "rate_limited", "{body}");
            let wait: u64 =
                headers.get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok()).unwrap_or(0);
            assert!((1..=5).contains(&wait), "Retry-After {wait}");
        }
        statuses.push(status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 5, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 3, "{statuses:?}");
    let (status, _, _) = t.send("GET", &format!("/api/agents/{quiet}/config"), &token, None).await?;
    assert_eq!(status, 200, "another agent of the tenant is not limited");
    Ok(())
}

#[tokio::test]
async fn a_tenant_over_its_rate_gets_429_and_another_tenant_does_not() -> anyhow::Result<()> {
    let t = TestStack::start_with_env(&[("SPOT_RATE_TENANT_PER_SEC", "1"), ("SPOT_RATE_TENANT_BURST", "4")])
        .await?;
    let (_, noisy) = t.tenant("noisy").await?;
    let (_, quiet) = t.tenant("quiet").await?;
    let mut limited = 0;
    for _ in 0..8 {
        let (status, headers, body) = t.send("GET", "/api/client/validate", &noisy, None).await?;
        if status == 429 {
            limited += 1;
            assert_eq!(body["error"]["code"], "rate_limited");
            assert!(headers.contains_key("retry-after"));
        }
    }
    assert!(limited >= 3, "{limited} of 8 refused");
    let (status, _, _) = t.send("GET", "/api/client/validate", &quiet, None).await?;
    assert_eq!(status, 200);
    // The admin API is not a tenant's.
    let (status, _, _) = t.send("GET", "/api/admin/tenants", ADMIN, None).await?;
    assert_eq!(status, 200);
    Ok(())
}

#[tokio::test]
async fn body_path_and_header_limits_answer_typed_errors() -> anyhow::Result<()> {
    let t = TestStack::start_with(|s| s.source.set("SPOT_OPERATOR_BODY_LIMIT_BYTES", "2048")).await?;
    let (_, token) = t.tenant("acme").await?;
    let agent = t.register(&token).await?;
    let padded = json!({"url": "http://127.0.0.1:9/x", "kinds": ["agent_offline"], "pad": "x".repeat(4096)});
    let (status, _, body) = post(&t, "/api/webhooks", &token, None, &padded.to_string()).await?;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("payload_too_large"));
    // An agent call of the same size is under the agent limit.
    let mut hb = fixture_body("post_heartbeat")?;
    hb["pad"] = json!("x".repeat(4096));
    let (status, _, body) =
        post(&t, &format!("/api/agents/{agent}/heartbeat"), &token, None, &hb.to_string()).await?;
    assert_eq!(status, 200, "{body}");
    let long = format!("/api/savings?x={}", "a".repeat(5000));
    let (status, _, body) = t.send("GET", &long, &token, None).await?;
    assert_eq!((status, body["error"]["code"].as_str()), (414, Some("uri_too_long")));
    let resp = t
        .http
        .get(t.url("/api/savings"))
        .bearer_auth(&token)
        .header("X-Padding", "p".repeat(17 * 1024))
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 431);
    let (status, _, body) = post(&t, "/api/webhooks", &token, Some(&"k".repeat(201)), "{}").await?;
    assert_eq!(status, 400, "{body}");
    Ok(())
}

#[tokio::test]
async fn every_write_replays_under_its_request_id_and_refuses_another_body() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    // A write with no replay table of its own: the dashboard's create-replica.
    let path = format!("/api/agents/{agent}/replicas");
    let first = post(&t, &path, &token, Some("replica-1"), r#"{"target_pool_id": ""}"#).await?;
    let again = post(&t, &path, &token, Some("replica-1"), r#"{"target_pool_id": ""}"#).await?;
    assert_eq!(first.0, 200, "{}", first.2);
    assert_eq!((first.0, &first.2), (again.0, &again.2), "the retry gets the first answer");
    assert_eq!(again.1.get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
    let (_, _, listed) = t.send("GET", &format!("/api/agents/{agent}/replicas"), &token, None).await?;
    assert_eq!(listed.to_string().matches("\"manual\"").count(), 1, "one replica queued: {listed}");
    let other =
        post(&t, &path, &token, Some("replica-1"), r#"{"target_pool_id": "t3.medium.us-east-1b"}"#).await?;
    assert_eq!(other.0, 422, "{}", other.2);
    assert!(other.2.contains("idempotency_key_reused"), "{}", other.2);
    // The same key from another tenant is another key.
    let (_, intruder) = t.tenant("intruder").await?;
    let foreign = post(&t, &path, &intruder, Some("replica-1"), r#"{"target_pool_id": ""}"#).await?;
    assert_eq!(foreign.0, 404, "{}", foreign.2);
    // Without a header (the field dashboard) every call runs.
    let toggle = format!("/api/client/agents/{agent}/toggle-enabled");
    let (s1, _, b1) = post(&t, &toggle, &token, None, "").await?;
    let (s2, _, b2) = post(&t, &toggle, &token, None, "").await?;
    assert_eq!((s1, s2), (200, 200));
    assert_ne!(b1, b2, "two toggles without a key flip twice");
    // With a key a retried toggle flips once.
    let (s3, _, b3) = post(&t, &toggle, &token, Some("toggle-1"), "").await?;
    let (s4, _, b4) = post(&t, &toggle, &token, Some("toggle-1"), "").await?;
    assert_eq!((s3, s4), (200, 200));
    assert_eq!(b3, b4);
    // A refused first attempt leaves the key free for a corrected retry.
    let settings = format!("/api/agents/{agent}/settings");
    let bad = t
        .http
        .patch(t.url(&settings))
        .bearer_auth(&token)
        .header("X-Request-ID", "settings-1")
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await?;
    assert_eq!(bad.status().as_u16(), 400);
    let good = t
        .http
        .patch(t.url(&settings))
        .bearer_auth(&token)
        .header("X-Request-ID", "settings-1")
        .json(&json!({"auto_terminate_enabled": false}))
        .send()
        .await?;
    assert_eq!(good.status().as_u16(), 200, "{}", good.text().await?);
    Ok(())
}
