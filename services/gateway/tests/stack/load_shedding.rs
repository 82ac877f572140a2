//! Load shedding (docs/HARDENING.md): with the agents' budget full, the next
//! agent call is refused within the admission wait with 503 `overloaded` +
//! Retry-After while registrations and operators are still served (budgets
//! of their own); the call holding the slot
//! is cut at the agents' request timeout, and the gateway serves agents
//! again by itself once the load is gone.

use crate::helpers::*;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const WAIT_MS: u64 = 200;
const AGENT_TIMEOUT: Duration = Duration::from_secs(3);

/// A heartbeat whose head is sent but whose body never comes: its handler
/// waits for the body, holding an agent slot until the agents' timeout.
async fn stuck_heartbeat(t: &TestStack, agent: &str, token: &str) -> anyhow::Result<TcpStream> {
    let addr = t.base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await?;
    let head = format!(
        "POST /api/agents/{agent}/heartbeat HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
    );
    stream.write_all(head.as_bytes()).await?;
    Ok(stream)
}

/// Everything the server sends on `stream` until it closes it or `within` ends.
async fn answer_of(stream: &mut TcpStream, within: Duration) -> anyhow::Result<String> {
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + within;
    while let Ok(read) = tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
        match read? {
            0 => break,
            n => answer.extend_from_slice(&chunk[..n]),
        }
        if answer.windows(15).any(|w| w == b"request_timeout") {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&answer).into_owned())
}

/// The value of a gateway metric line that starts with `series`.
async fn metric(t: &TestStack, series: &str) -> anyhow::Result<f64> {
    let text = t.http.get(t.url("/metrics")).send().await?.text().await?;
    let line = text.lines().find(|l| l.starts_with(series));
    let value = line.and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse().ok());
    value.ok_or_else(|| anyhow::anyhow!("no {series} in the metrics"))
}

#[tokio::test]
async fn a_full_agent_budget_refuses_fast_and_recovers_by_itself() -> anyhow::Result<()> {
    let t = TestStack::start_with(|s| {
        s.source.set("SPOT_AGENT_MAX_IN_FLIGHT", "1");
        s.source.set("SPOT_ADMISSION_WAIT_MS", WAIT_MS.to_string());
        s.source.set("SPOT_AGENT_REQUEST_TIMEOUT_SECS", AGENT_TIMEOUT.as_secs().to_string());
    })
    .await?;
    let (_, token) = t.tenant("shed").await?;
    let agent = t.register(&token).await?;
    let path = format!("/api/agents/{agent}/heartbeat");
    let heartbeat = fixture_body("post_heartbeat")?.to_string();
    let in_flight = "spot_gateway_requests_in_flight{class=\"agent\"}";

    let held_since = Instant::now();
    let mut stuck = stuck_heartbeat(&t, &agent, &token).await?;
    eventually(
        "the stuck heartbeat holds the slot",
        Duration::from_secs(5),
        async || metric(&t, in_flight).await,
        |n| *n == 1.0,
    )
    .await?;

    // The next agent call waits for the slot, then is refused at once.
    let started = Instant::now();
    let (status, headers, json) = t.send("POST", &path, &token, Some(&heartbeat)).await?;
    let waited = started.elapsed();
    assert_eq!((status, json["error"]["code"].as_str()), (503, Some("overloaded")), "{json}");
    assert_eq!(headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
    assert!(
        waited >= Duration::from_millis(WAIT_MS) && waited < Duration::from_secs(2),
        "refused after {waited:?}"
    );
    let refused = metric(&t, "spot_gateway_requests_refused_total{class=\"agent\"}").await?;
    assert_eq!(refused, 1.0);

    // Registrations and operators have budgets of their own: a new agent
    // still gets in, and the dashboard stays usable.
    t.register(&token).await?;
    let (status, _, json) = t.send("GET", "/api/admin/tenants", ADMIN, None).await?;
    assert_eq!(status, 200, "{json}");

    // The stuck call is cut at the agents' timeout, not the operators' 20 s.
    let answer = answer_of(&mut stuck, Duration::from_secs(15)).await?;
    let cut_after = held_since.elapsed();
    assert!(answer.starts_with("HTTP/1.1 503") && answer.contains("request_timeout"), "{answer}");
    assert!(cut_after >= AGENT_TIMEOUT && cut_after < Duration::from_secs(10), "cut after {cut_after:?}");

    // No metastable state: the slot is free again and agents are served.
    let served = async || t.send("POST", &path, &token, Some(&heartbeat)).await.map(|(status, ..)| status);
    eventually("agents served again", Duration::from_secs(5), served, |status| *status == 200).await?;
    assert_eq!(metric(&t, in_flight).await?, 0.0);
    Ok(())
}
