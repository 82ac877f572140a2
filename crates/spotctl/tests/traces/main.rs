//! Traces end to end (docs/OBSERVABILITY.md): the whole stack in-process
//! exports over OTLP/gRPC to an in-process receiver, and each flow must
//! come out as one connected trace:
//! (a) a v4 heartbeat: gateway -> JetStream -> lifecycle consumer -> outbox
//!     -> a downstream consumer;
//! (b) a termination notice: gateway -> emergency (gRPC) -> lifecycle (gRPC),
//!     with the audit rows lifecycle wrote carrying the trace id.
//!
//! Its own test binary: the trace exporter is process-global.

mod receiver;

use receiver::{Received, Receiver, ancestors, tree};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;
use spot_testkit::stack::*;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Consumers of the lifecycle stream, any of which continues flow (a).
const DOWNSTREAM: [&str; 3] = ["emergency-lifecycle", "decisions-lifecycle", "pricing-lifecycle"];

struct Traced {
    receiver: Receiver,
    guard: Arc<spot_platform::telemetry::TelemetryGuard>,
}

impl Traced {
    async fn start() -> anyhow::Result<Self> {
        let receiver = Receiver::default();
        let endpoint = receiver.start().await?;
        let mut env = std::collections::BTreeMap::new();
        env.insert("OTEL_EXPORTER_OTLP_ENDPOINT".to_owned(), endpoint);
        env.insert("SPOT_LOG".to_owned(), "warn,spot_platform=info,spot_gateway=info".to_owned());
        env.insert("SPOT_LOG_FORMAT".to_owned(), "pretty".to_owned());
        let settings = spot_platform::Settings::load_from(&env)?;
        let guard = Arc::new(spot_platform::telemetry::init("spot-test", &settings)?);
        anyhow::ensure!(spot_platform::telemetry::exporting(), "trace exporter not installed");
        Ok(Self { receiver, guard })
    }

    /// Flushes and waits until `found` returns something from the spans.
    async fn wait_for<T>(&self, what: &str, found: impl Fn(&[Received]) -> Option<T>) -> anyhow::Result<T> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let guard = self.guard.clone();
            tokio::task::spawn_blocking(move || guard.flush()).await?;
            let spans = self.receiver.spans();
            if let Some(t) = found(&spans) {
                return Ok(t);
            }
            if Instant::now() > deadline {
                let ids: std::collections::BTreeSet<&str> =
                    spans.iter().map(|s| s.trace_id.as_str()).collect();
                let trees: Vec<String> = ids.into_iter().map(|id| tree(&spans, id)).collect();
                anyhow::bail!("{what}: not among {} spans:\n{}", spans.len(), trees.join("\n"));
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }
}

// Exported spans are named by `otel.name` (`POST /route`, `consume <durable>`,
// the gRPC method); what a span is shows in its attributes.
fn http_span<'a>(spans: &'a [Received], route: &str) -> Option<&'a Received> {
    spans.iter().find(|s| s.attr("http.route") == Some(route))
}

fn is_consume(s: &Received) -> bool {
    s.attr("messaging.destination.name").is_some()
}

fn is_grpc_server(s: &Received) -> bool {
    s.attr("rpc.method").is_some() && s.attr("service").is_some()
}

fn is_grpc_client(s: &Received) -> bool {
    s.attr("rpc.method").is_some() && s.attr("service").is_none()
}

fn descends_from(spans: &[Received], span: &Received, ancestor: &Received) -> bool {
    ancestors(spans, span).iter().any(|a| a.span_id == ancestor.span_id)
}

fn no_secret_in(spans: &[Received], token: &str) {
    for s in spans {
        for (k, v) in &s.attributes {
            assert!(!v.contains(token), "span {} attribute {k} holds the token", s.name);
        }
    }
}

async fn text(t: &TestStack, sql: &str) -> anyhow::Result<Vec<Option<String>>> {
    let rows = t.db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned())).await?;
    rows.into_iter().map(|r| Ok(r.try_get::<Option<String>>("", "v")?)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_heartbeat_and_a_termination_notice_each_make_one_connected_trace() -> anyhow::Result<()> {
    let traced = Traced::start().await?;
    let t = TestStack::start().await?;
    let (tenant, token) = t.tenant("traced").await?;

    // (a) A v4 heartbeat reporting shutdown: lifecycle marks the agent
    // offline and its outbox announces it to the other services.
    let agent = t.register(&token).await?;
    let body = fixture_body("post_heartbeat_shutdown")?.to_string();
    let (status, _, answer) =
        t.send("POST", &format!("/api/agents/{agent}/heartbeat"), &token, Some(&body)).await?;
    assert_eq!(status, 200, "{answer}");
    let heartbeat_route = "/api/agents/{agent_id}/heartbeat";
    let (http, downstream) = traced
        .wait_for("heartbeat trace reaching a downstream consumer", |spans| {
            let http = http_span(spans, heartbeat_route)?;
            let downstream = spans.iter().find(|s| {
                is_consume(s)
                    && s.attr("consumer").is_some_and(|c| DOWNSTREAM.contains(&c))
                    && s.trace_id == http.trace_id
            })?;
            Some((http.clone(), downstream.clone()))
        })
        .await?;
    let spans = traced.receiver.spans();
    println!("(a) v4 heartbeat\n{}", tree(&spans, &http.trace_id));
    assert_eq!(http.attr("http.response.status_code"), Some("200"));
    assert_eq!(http.attr("tenant.id"), Some(tenant.as_str()), "the request span names the tenant");
    let lifecycle = spans
        .iter()
        .find(|s| {
            is_consume(s) && s.attr("consumer") == Some("lifecycle-heartbeats") && s.trace_id == http.trace_id
        })
        .ok_or_else(|| anyhow::anyhow!("no lifecycle consume span in the heartbeat's trace"))?;
    assert_eq!(lifecycle.parent.as_deref(), Some(http.span_id.as_str()), "published under the request");
    assert!(descends_from(&spans, &downstream, lifecycle), "the outbox event continues lifecycle's span");
    let outbox =
        text(&t, "SELECT traceparent AS v FROM lifecycle.outbox WHERE event_type LIKE '%AgentStatusChanged'")
            .await?;
    assert!(
        outbox.iter().flatten().any(|tp| tp.contains(&http.trace_id)),
        "the outbox row keeps the trace: {outbox:?}"
    );

    // (b) A termination notice: the gateway asks emergency, which asks
    // lifecycle for the switch command; lifecycle's audit rows name the trace.
    t.db.execute_unprepared(
        "INSERT INTO emergency.boot_samples (sample_key, pool_id, seconds, source)
         SELECT 'seed-' || n, 't3.medium.us-east-1b', 30 + n, 'test' FROM generate_series(1, 3) n",
    )
    .await?;
    // Notices from several agents of one AZ: a burst, which emergency answers
    // with switch commands queued on lifecycle (a lone first notice gets a
    // same-pool replica and asks lifecycle nothing).
    let deadline =
        (chrono::Utc::now() + chrono::Duration::seconds(120)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let mut noticed = Vec::new();
    for i in 0..4 {
        let instance = format!("i-traced{i}");
        let mut reg = fixture_body("post_agents_register")?;
        reg["instance_id"] = instance.as_str().into();
        reg["logical_agent_id"] = format!("group-{instance}").into();
        let (status, _, r) = t.send("POST", "/api/agents/register", &token, Some(&reg.to_string())).await?;
        assert_eq!(status, 200, "{r}");
        noticed.push((r["agent_id"].as_str().unwrap_or_default().to_owned(), instance));
    }
    for (agent, instance) in &noticed {
        let notice = json!({"instance_id": instance, "termination_time": deadline,
                            "detected_at": "2026-11-22T10:32:18.821076"});
        let (status, answer) = t.notice(agent, &token, &notice.to_string()).await?;
        assert_eq!(status, 200, "{answer}");
    }
    let notice_route = "/api/agents/{agent_id}/termination-imminent";
    let (http, at_lifecycle) = traced
        .wait_for("a termination trace reaching lifecycle", |spans| {
            spans.iter().filter(|s| s.attr("http.route") == Some(notice_route)).find_map(|http| {
                // The notice whose switch lifecycle queued (a lone first notice
                // may reach lifecycle only to read its agent, when emergency's
                // projection has not seen the registration yet).
                let at_lifecycle = spans.iter().find(|s| {
                    is_grpc_server(s)
                        && s.attr("service") == Some("lifecycle")
                        && s.attr("rpc.method").is_some_and(|m| m.ends_with("/QueueCommand"))
                        && s.trace_id == http.trace_id
                })?;
                // The command is queued after the agent's answer, so its
                // client span may end (and be exported) after the gateway's:
                // wait until the whole path up to the request arrived.
                ancestors(spans, at_lifecycle)
                    .iter()
                    .any(|s| s.span_id == http.span_id)
                    .then(|| (http.clone(), at_lifecycle.clone()))
            })
        })
        .await?;
    let spans = traced.receiver.spans();
    println!("(b) termination notice\n{}", tree(&spans, &http.trace_id));
    assert_eq!(http.attr("tenant.id"), Some(tenant.as_str()));
    let path = ancestors(&spans, &at_lifecycle);
    let services: Vec<&str> = path.iter().filter_map(|s| s.attr("service")).collect();
    assert_eq!(services, ["lifecycle", "emergency"], "lifecycle's call runs under emergency's");
    assert!(path.iter().any(|s| s.span_id == http.span_id), "and emergency's under the gateway's request");
    assert!(
        path.iter().filter(|s| is_grpc_client(s)).count() == 2,
        "each gRPC hop has a client span: {path:#?}"
    );
    let audit =
        text(&t, "SELECT trace_id AS v FROM lifecycle.lifecycle_events WHERE event_type = 'command_queued'")
            .await?;
    let traced_rows: Vec<&String> = audit.iter().flatten().filter(|id| **id == http.trace_id).collect();
    assert!(!traced_rows.is_empty(), "lifecycle's audit rows carry the notice's trace: {audit:?}");

    no_secret_in(&spans, &token);
    Ok(())
}
