//! `GET /api/events/stream` against the whole stack (docs/EVENTS.md, "Live
//! updates"): each tenant sees its own events, the admin all (or one
//! tenant's), a notification shows up live, `Last-Event-ID` replays what
//! was missed, a garbage id starts fresh with `event: reset`, idle streams
//! get keep-alive comments.

use crate::helpers::*;
use serde_json::Value;
use std::time::Duration;

/// One SSE block: a message or a comment.
#[derive(Debug, Clone, Default)]
pub struct Msg {
    pub id: Option<String>,
    pub event: Option<String>,
    pub data: Option<Value>,
    pub comment: Option<String>,
}

/// A client reading a stream block by block.
pub struct Sse {
    resp: reqwest::Response,
    buf: String,
}

impl Sse {
    pub async fn open(t: &TestStack, token: &str, query: &str, last: Option<&str>) -> anyhow::Result<Self> {
        let mut req = t.http.get(t.url(&format!("/api/events/stream{query}"))).bearer_auth(token);
        if let Some(id) = last {
            req = req.header("Last-Event-ID", id);
        }
        // The stream stays open: no whole-request timeout.
        let resp = req.timeout(Duration::from_secs(3600)).send().await?;
        anyhow::ensure!(resp.status() == 200, "stream answered {}", resp.status());
        let ct = resp.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        anyhow::ensure!(ct.starts_with("text/event-stream"), "content type {ct}");
        Ok(Self { resp, buf: String::new() })
    }

    /// The next block within `within`; `None` when nothing came.
    pub async fn next(&mut self, within: Duration) -> anyhow::Result<Option<Msg>> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut msg = Msg::default();
                for line in block.lines() {
                    if let Some(c) = line.strip_prefix(':') {
                        msg.comment = Some(c.trim().to_owned());
                    } else if let Some(v) = line.strip_prefix("id: ") {
                        msg.id = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("event: ") {
                        msg.event = Some(v.to_owned());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        msg.data = Some(serde_json::from_str(v)?);
                    }
                }
                return Ok(Some(msg));
            }
            let chunk = match tokio::time::timeout_at(deadline, self.resp.chunk()).await {
                Err(_) => return Ok(None),
                Ok(chunk) => chunk?,
            };
            let Some(chunk) = chunk else { return Ok(None) };
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next message (comments skipped) within `within`.
    pub async fn message(&mut self, within: Duration) -> anyhow::Result<Option<Msg>> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.next(left).await? {
                Some(m) if m.comment.is_some() => continue,
                other => return Ok(other),
            }
        }
    }

    /// Messages until one of `kind` arrives (it included).
    pub async fn until(&mut self, kind: &str, within: Duration) -> anyhow::Result<Vec<Msg>> {
        let mut seen = Vec::new();
        loop {
            let m = self
                .message(within)
                .await?
                .ok_or_else(|| anyhow::anyhow!("no {kind} within {within:?}; saw {seen:?}"))?;
            let done = m.event.as_deref() == Some(kind);
            seen.push(m);
            if done {
                return Ok(seen);
            }
        }
    }
}

const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn streams_are_per_tenant_resume_from_the_buffer_and_keep_alive() -> anyhow::Result<()> {
    let t = TestStack::start_with(|s| s.source.set("SPOT_SSE_KEEPALIVE_SECS", "1")).await?;
    let (a, token_a) = t.tenant("alpha").await?;
    let (b, token_b) = t.tenant("beta").await?;
    let mut sa = Sse::open(&t, &token_a, "", None).await?;
    let mut sb = Sse::open(&t, &token_b, "", None).await?;
    let mut admin = Sse::open(&t, ADMIN, "", None).await?;
    let mut admin_b = Sse::open(&t, ADMIN, &format!("?client_id={b}"), None).await?;
    for s in [&mut sa, &mut sb, &mut admin, &mut admin_b] {
        let hello = s.next(WAIT).await?.and_then(|m| m.comment);
        assert_eq!(hello.as_deref(), Some("connected"));
    }

    // A's agent registers: its group gets a PRIMARY.
    let agent_a = t.register(&token_a).await?;
    let role = sa.until("instance.role_changed", WAIT).await?.pop().unwrap_or_default();
    let data = role.data.clone().unwrap_or_default();
    assert_eq!(data["kind"], "instance.role_changed");
    assert_eq!(data["client_id"], a.as_str());
    assert_eq!(data["role"], "PRIMARY");
    assert!(data["group_id"].is_string() && data["at"].as_str().is_some_and(|at| at.ends_with('Z')));
    let role_id: u64 = role.id.as_deref().unwrap_or_default().parse()?;
    let seen_by_admin = admin.until("instance.role_changed", WAIT).await?;
    assert_eq!(seen_by_admin.last().and_then(|m| m.id.clone()), role.id, "one numbering for every stream");

    // B's agent: B and the admin filtered to B see B's event first, never A's.
    t.register(&token_b).await?;
    for s in [&mut sb, &mut admin_b] {
        let first = s.message(WAIT).await?.unwrap_or_default();
        assert_eq!(first.event.as_deref(), Some("instance.role_changed"));
        assert_eq!(first.data.unwrap_or_default()["client_id"], b.as_str());
    }

    // A's agent shuts down: a status change, then the notification it makes.
    let body = fixture_body("post_heartbeat_shutdown")?.to_string();
    let (status, _, _) =
        t.send("POST", &format!("/api/agents/{agent_a}/heartbeat"), &token_a, Some(&body)).await?;
    assert_eq!(status, 200);
    let mut missed = sa.until("agent.status_changed", WAIT).await?;
    let offline = missed.last().and_then(|m| m.data.clone()).unwrap_or_default();
    assert_eq!(
        (offline["agent_id"].as_str(), offline["status"].as_str()),
        (Some(agent_a.as_str()), Some("offline"))
    );
    missed.extend(sa.until("notification.created", WAIT).await?);
    let note = missed.last().and_then(|m| m.data.clone()).unwrap_or_default();
    assert_eq!(note["severity"], "warning");
    assert!(note["notification_id"].is_string() && note["title"].is_string());

    // Resume after the role change: exactly what A's stream got since, in order.
    let mut again = Sse::open(&t, &token_a, "", Some(&role_id.to_string())).await?;
    assert!(again.next(WAIT).await?.is_some_and(|m| m.comment.is_some()));
    for want in &missed {
        let got = again.message(WAIT).await?.unwrap_or_default();
        assert_eq!((got.id.as_deref(), got.event.as_deref()), (want.id.as_deref(), want.event.as_deref()));
    }

    // Garbage and foreign ids start fresh.
    for bad in ["banana", "-3", "1"] {
        let mut fresh = Sse::open(&t, &token_a, "", Some(bad)).await?;
        let first = fresh.message(WAIT).await?.unwrap_or_default();
        assert_eq!(first.event.as_deref(), Some("reset"), "Last-Event-ID {bad:?}");
        assert_eq!(first.data, Some(serde_json::json!({})));
        assert!(first.id.is_some_and(|id| id.parse::<u64>().is_ok_and(|id| id >= role_id)));
    }

    // An idle stream gets keep-alive comments.
    let mut idle = Sse::open(&t, &token_b, "", None).await?;
    let mut comments = Vec::new();
    while comments.len() < 2 {
        let m =
            idle.next(Duration::from_secs(10)).await?.ok_or_else(|| anyhow::anyhow!("stream went quiet"))?;
        comments.extend(m.comment);
    }
    assert_eq!(comments, ["connected", "keep-alive"]);
    Ok(())
}

#[tokio::test]
async fn the_stream_refuses_bad_callers() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let (_, token) = t.tenant("gamma").await?;
    for (auth, query, want) in [
        (None, "", 401),
        (Some("not-a-token"), "", 401),
        (Some(token.as_str()), "?token=x&client_id=whatever", 200),
        (Some(ADMIN), "?client_id=not-a-uuid", 400),
    ] {
        let mut req = t.http.get(t.url(&format!("/api/events/stream{query}")));
        if let Some(a) = auth {
            req = req.bearer_auth(a);
        }
        let resp = req.send().await?;
        assert_eq!(resp.status().as_u16(), want, "{auth:?} {query}");
        if want != 200 {
            let body: Value = resp.json().await?;
            assert!(body["error"]["code"].is_string());
        }
    }
    // `?token=` is never read: without the header it is 401.
    let resp = t.http.get(t.url(&format!("/api/events/stream?token={token}"))).send().await?;
    assert_eq!(resp.status().as_u16(), 401);
    Ok(())
}
