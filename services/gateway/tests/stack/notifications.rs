//! Notifications and webhooks against the whole stack (docs/NOTIFICATIONS.md):
//! a real agent going offline becomes a notification and signed webhook
//! deliveries to receivers in this test; a receiver that answers 500 once
//! sees the same delivery again; one that always fails ends dead-lettered;
//! bad input gets its stable codes; other tenants' ids are not found.

use crate::helpers::*;
use serde_json::{Value, json};
use spot_gateway::webhooks::signature;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One request a receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A tiny HTTP/1.1 receiver: answers each request with the next status of
/// `statuses` (the last one repeats) and records it.
async fn receiver(statuses: Vec<u16>) -> anyhow::Result<(String, Arc<Mutex<Vec<Received>>>)> {
    receiver_on(0, statuses).await
}

/// [`receiver`] on a given port (0: any).
pub(crate) async fn receiver_on(
    port: u16,
    statuses: Vec<u16>,
) -> anyhow::Result<(String, Arc<Mutex<Vec<Received>>>)> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let url = format!("http://{}/hook", listener.local_addr()?);
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = got.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            let head_end = loop {
                let Ok(n) = sock.read(&mut chunk).await else { break None };
                if n == 0 {
                    break None;
                }
                buf.extend_from_slice(&chunk[..n]);
                if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(i);
                }
            };
            let Some(head_end) = head_end else { continue };
            let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
            let headers: Vec<(String, String)> = head
                .lines()
                .skip(1)
                .filter_map(|l| l.split_once(':').map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())))
                .collect();
            let length: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let mut body = buf[head_end + 4..].to_vec();
            while body.len() < length {
                let Ok(n) = sock.read(&mut chunk).await else { break };
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..n]);
            }
            let index = {
                let mut all = seen.lock().unwrap_or_else(|e| e.into_inner());
                all.push(Received { headers, body });
                all.len() - 1
            };
            let status = statuses.get(index).or(statuses.last()).copied().unwrap_or(200);
            let reply = format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = sock.write_all(reply.as_bytes()).await;
            let _ = sock.shutdown().await;
        }
    });
    Ok((url, got))
}

/// Registers an agent of `token`'s tenant that goes offline at once (the
/// shutdown heartbeat v4 sends); its id.
pub(crate) async fn offline_agent(t: &TestStack, token: &str) -> anyhow::Result<String> {
    let agent = t.register(token).await?;
    let shutdown = fixture_body("post_heartbeat_shutdown")?.to_string();
    let (status, _, _) =
        t.send("POST", &format!("/api/agents/{agent}/heartbeat"), token, Some(&shutdown)).await?;
    anyhow::ensure!(status == 200, "shutdown heartbeat {status}");
    Ok(agent)
}

/// Waits up to 30 s for `probe` to give something.
pub(crate) async fn wait_for<T: std::fmt::Debug>(
    what: &str,
    probe: impl AsyncFnMut() -> anyhow::Result<Option<T>>,
) -> anyhow::Result<T> {
    eventually(what, Duration::from_secs(30), probe, Option::is_some)
        .await?
        .ok_or_else(|| anyhow::anyhow!("{what}: nothing"))
}

pub(crate) const SECRET: &str = "receiver-secret-0123456789";

#[tokio::test]
async fn an_offline_agent_notifies_and_webhooks_are_signed_retried_and_dead_lettered() -> anyhow::Result<()> {
    let t = TestStack::start_with(|s| {
        s.source.set("SPOT_WEBHOOK_RETRY_BASE_MS", "200");
        s.source.set("SPOT_WEBHOOK_MAX_ATTEMPTS", "3");
    })
    .await?;
    let (_, token) = t.tenant("notified").await?;
    let (_, other) = t.tenant("bystander").await?;
    let (flaky_url, flaky) = receiver(vec![500, 200]).await?;
    let (broken_url, broken) = receiver(vec![500]).await?;

    let (status, created) = t
        .call(
            "POST",
            "/api/webhooks",
            &token,
            Some(&json!({"url": flaky_url, "kinds": ["agent_offline"], "secret": SECRET}).to_string()),
            None,
        )
        .await?;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["secret"], SECRET, "the secret is shown once, at creation");
    let hook = created["id"].as_str().unwrap_or_default().to_owned();
    let (status, dead_hook) = t
        .call(
            "POST",
            "/api/webhooks",
            &token,
            Some(&json!({"url": broken_url, "kinds": ["agent_offline", "failover_done"]}).to_string()),
            None,
        )
        .await?;
    assert_eq!(status, 201, "{dead_hook}");
    assert!(dead_hook["secret"].as_str().is_some_and(|s| s.len() >= 32), "a secret is generated");
    let dead_id = dead_hook["id"].as_str().unwrap_or_default().to_owned();
    let (_, listed) = t.call("GET", "/api/webhooks", &token, None, None).await?;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
    assert!(listed["items"][0].get("secret").is_none(), "secrets are never listed");

    // A real agent goes offline (the shutdown heartbeat v4 sends).
    let agent = offline_agent(&t, &token).await?;

    // The notification.
    let page = wait_for("the agent_offline notification", async || {
        let (_, page) = t.call("GET", "/api/notifications", &token, None, None).await?;
        Ok(page["items"].as_array().is_some_and(|i| !i.is_empty()).then_some(page))
    })
    .await?;
    let n = &page["items"][0];
    assert_eq!(n["kind"], "agent_offline");
    assert_eq!(n["severity"], "warning");
    assert_eq!(n["agent_id"], agent.as_str());
    assert!(n["read_at"].is_null());
    assert!(page["next_cursor"].is_null());
    let (_, count) = t.call("GET", "/api/notifications/unread-count", &token, None, None).await?;
    assert_eq!(count, json!({"unread": 1}));
    let (_, theirs) = t.call("GET", "/api/notifications", &other, None, None).await?;
    assert_eq!(theirs["items"], json!([]), "another tenant sees nothing");

    // The flaky receiver: 500, then the same delivery again, signed.
    let got = wait_for("the retried delivery", async || {
        let got = flaky.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Ok((got.len() >= 2).then_some(got))
    })
    .await?;
    let (first, second) = (&got[0], &got[1]);
    for r in [first, second] {
        let sig = r.header("X-Spot-Signature").unwrap_or_default();
        assert!(signature::verify(SECRET, &r.body, sig), "signature {sig:?} does not verify");
        assert_eq!(r.header("X-Spot-Event"), Some("agent_offline"));
    }
    assert_eq!(
        first.header("X-Spot-Delivery"),
        second.header("X-Spot-Delivery"),
        "a retry keeps its delivery id"
    );
    assert_eq!(first.body, second.body, "a retry sends the same bytes");
    let payload: Value = serde_json::from_slice(&second.body)?;
    assert_eq!(payload["delivery_id"].as_str(), second.header("X-Spot-Delivery"));
    assert_eq!(payload["notification"]["id"], n["id"]);
    assert_eq!(payload["kind"], "agent_offline");

    let delivered = wait_for("delivered in the log", async || {
        let (_, log) = t.call("GET", &format!("/api/webhooks/{hook}/deliveries"), &token, None, None).await?;
        Ok((log["items"][0]["status"] == "delivered").then_some(log))
    })
    .await?;
    let d = &delivered["items"][0];
    assert_eq!(d["attempts"], 2);
    assert_eq!(d["last_status_code"], 200);
    assert!(d["delivered_at"].is_string() && d["next_attempt_at"].is_null());

    // The broken receiver: three attempts (the configured maximum), then dead.
    let dead = wait_for("the dead-lettered delivery", async || {
        let (_, log) =
            t.call("GET", &format!("/api/webhooks/{dead_id}/deliveries"), &token, None, None).await?;
        Ok((log["items"][0]["status"] == "dead").then_some(log))
    })
    .await?;
    assert_eq!(dead["items"][0]["attempts"], 3);
    assert_eq!(dead["items"][0]["last_status_code"], 500);
    assert_eq!(broken.lock().unwrap_or_else(|e| e.into_inner()).len(), 3);

    // Reading.
    let id = n["id"].as_str().unwrap_or_default();
    let (status, _) = t.call("POST", &format!("/api/notifications/{id}/read"), &other, None, None).await?;
    assert_eq!(status, 404, "another tenant's notification is not found");
    let (status, read) = t.call("POST", &format!("/api/notifications/{id}/read"), &token, None, None).await?;
    assert_eq!(status, 200);
    assert!(read["read_at"].is_string());
    let (_, again) = t.call("POST", &format!("/api/notifications/{id}/read"), &token, None, None).await?;
    assert_eq!(again["read_at"], read["read_at"], "marking read again keeps the first time");
    let (_, unread) = t.call("GET", "/api/notifications?unread=true", &token, None, None).await?;
    assert_eq!(unread["items"], json!([]));
    let (_, marked) = t.call("POST", "/api/notifications/read-all", &token, None, None).await?;
    assert_eq!(marked, json!({"marked": 0}));

    // Deleting: others cannot, the owner can once.
    let (status, _) = t.call("DELETE", &format!("/api/webhooks/{hook}"), &other, None, None).await?;
    assert_eq!(status, 404);
    let (status, _) = t.call("DELETE", &format!("/api/webhooks/{hook}"), &token, None, None).await?;
    assert_eq!(status, 204);
    let (status, _) = t.call("DELETE", &format!("/api/webhooks/{hook}"), &token, None, None).await?;
    assert_eq!(status, 404);
    Ok(())
}

#[tokio::test]
async fn webhook_and_notification_bad_input() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let (client, token) = t.tenant("careless").await?;
    let (_, other) = t.tenant("other").await?;
    let post =
        async |body: Value| t.call("POST", "/api/webhooks", &token, Some(&body.to_string()), None).await;

    for (body, code, field) in [
        (json!({"url": "ftp://example.com/x", "kinds": ["agent_offline"]}), "invalid_webhook_url", "url"),
        (json!({"url": "example.com/hook", "kinds": ["agent_offline"]}), "invalid_webhook_url", "url"),
        (
            json!({"url": "http://nothing.invalid/hook", "kinds": ["agent_offline"]}),
            "webhook_url_unresolvable",
            "url",
        ),
        (
            json!({"url": "http://127.0.0.1:9/", "kinds": ["agent_offline", "nope"]}),
            "unknown_notification_kind",
            "kinds[1]",
        ),
        (json!({"url": "http://127.0.0.1:9/", "kinds": []}), "unknown_notification_kind", "kinds"),
        (
            json!({"url": "http://127.0.0.1:9/", "kinds": ["agent_offline"], "secret": "short"}),
            "invalid_webhook_secret",
            "secret",
        ),
    ] {
        let (status, err) = post(body.clone()).await?;
        assert_eq!(status, 422, "{body} -> {err}");
        assert_eq!(err["error"]["code"], code, "{body}");
        assert!(
            err["error"]["message"].as_str().is_some_and(|m| m.starts_with(field)),
            "{err} names {field}"
        );
    }
    let (status, err) = post(json!({"url": "http://127.0.0.1:9/"})).await?;
    assert_eq!((status, err["error"]["code"].as_str()), (400, Some("invalid_field")), "missing kinds: {err}");
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains("kinds")));
    let resp = t.http.post(t.url("/api/webhooks")).bearer_auth(&token).body("{nope").send().await?;
    assert_eq!(resp.status().as_u16(), 400);
    let resp = t.http.get(t.url("/api/webhooks")).send().await?;
    assert_eq!(resp.status().as_u16(), 401);

    // X-Request-ID: a retry returns the same webhook; another body with the key is 422.
    let body = json!({"url": "http://127.0.0.1:9/a", "kinds": ["failover_done"]});
    let call = async |b: Value| {
        t.call("POST", "/api/webhooks", &token, Some(&b.to_string()), Some("create-1")).await
    };
    let (s1, first) = call(body.clone()).await?;
    let (s2, again) = call(body).await?;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first["id"], again["id"]);
    assert_eq!(first["secret"], again["secret"]);
    let (status, err) = call(json!({"url": "http://127.0.0.1:9/b", "kinds": ["failover_done"]})).await?;
    assert_eq!((status, err["error"]["code"].as_str()), (422, Some("idempotency_key_reused")));
    let (_, listed) = t.call("GET", "/api/webhooks", &token, None, None).await?;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));

    // Ids: garbage 400, unknown 404, another tenant's 404.
    let hook = first["id"].as_str().unwrap_or_default();
    let unknown = uuid::Uuid::now_v7();
    for (method, path, who, want) in [
        ("GET", format!("/api/webhooks/{hook}/deliveries"), &other, 404),
        ("GET", format!("/api/webhooks/{unknown}/deliveries"), &token, 404),
        ("GET", "/api/webhooks/not-a-uuid/deliveries".to_owned(), &token, 400),
        ("DELETE", format!("/api/webhooks/{unknown}"), &token, 404),
        ("POST", format!("/api/notifications/{unknown}/read"), &token, 404),
        ("POST", "/api/notifications/xyz/read".to_owned(), &token, 400),
        ("GET", "/api/notifications?limit=0".to_owned(), &token, 400),
        ("GET", "/api/notifications?limit=500".to_owned(), &token, 400),
        ("GET", "/api/notifications?cursor=garbage".to_owned(), &token, 400),
        ("GET", "/api/notifications?unread=perhaps".to_owned(), &token, 400),
        ("GET", format!("/api/webhooks/{hook}/deliveries?limit=0"), &token, 400),
    ] {
        let (status, body) = t.call(method, &path, who, None, None).await?;
        assert_eq!(status, want, "{method} {path}: {body}");
        assert!(body["error"]["code"].is_string(), "{method} {path}: {body}");
    }
    let (_, log) = t.call("GET", &format!("/api/webhooks/{hook}/deliveries"), &token, None, None).await?;
    assert_eq!(log, json!({"items": [], "next_cursor": null}));

    // The admin token names the tenant; without client_id it is 400.
    let (status, _) = t.call("GET", "/api/notifications", ADMIN, None, None).await?;
    assert_eq!(status, 400);
    let (status, page) =
        t.call("GET", &format!("/api/webhooks?client_id={client}"), ADMIN, None, None).await?;
    assert_eq!(status, 200);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    Ok(())
}

/// Deliveries live in the database: a delivery still failing when the
/// gateway stops is sent by the next gateway process, with the same id.
#[tokio::test]
async fn a_pending_delivery_survives_a_restart() -> anyhow::Result<()> {
    let mut t = TestStack::start_with(|settings| {
        for (k, v) in [
            ("SPOT_WEBHOOK_RETRY_BASE_MS", "200"),
            ("SPOT_WEBHOOK_RETRY_CAP_SECS", "1"),
            ("SPOT_WEBHOOK_MAX_ATTEMPTS", "50"),
            ("SPOT_WEBHOOK_TIMEOUT_SECS", "1"),
        ] {
            settings.source.set(k, v);
        }
    })
    .await?;
    // A port nobody listens on yet: every attempt is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let url = format!("http://127.0.0.1:{port}/hook");

    let (_, token) = t.tenant("durable").await?;
    let hook = json!({"url": url, "kinds": ["agent_offline"], "secret": SECRET}).to_string();
    let (_, _, created) = t.send("POST", "/api/webhooks", &token, Some(&hook)).await?;
    let log = format!("/api/webhooks/{}/deliveries", created["id"].as_str().unwrap_or_default());
    offline_agent(&t, &token).await?;
    let failing = wait_for("a failed attempt", async || {
        let (_, _, log) = t.send("GET", &log, &token, None).await?;
        let d = log["items"][0].clone();
        Ok((d["status"] == "pending" && d["attempts"].as_i64().unwrap_or(0) >= 2).then_some(d))
    })
    .await?;
    assert_eq!(failing["last_error"], "connection failed");
    t.stop().await;

    // The receiver comes up; a new gateway process (same database) sends it.
    let (_, got) = receiver_on(port, vec![200]).await?;
    t.resume().await?;
    let delivered = wait_for("the delivery after the restart", async || {
        let (_, _, log) = t.send("GET", &log, &token, None).await?;
        Ok((log["items"][0]["status"] == "delivered").then_some(log))
    })
    .await?;
    let received = got.lock().unwrap_or_else(|e| e.into_inner()).clone();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].header("X-Spot-Delivery"), failing["id"].as_str());
    assert!(signature::verify(
        SECRET,
        &received[0].body,
        received[0].header("X-Spot-Signature").unwrap_or_default()
    ));
    assert!(
        delivered["items"][0]["attempts"]
            .as_i64()
            .is_some_and(|n| n > failing["attempts"].as_i64().unwrap_or(0))
    );
    Ok(())
}
