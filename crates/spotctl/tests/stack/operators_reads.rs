//! Operators' API parts 2-4 and 8 (docs/OPERATORS_API.md): enable/disable,
//! the kept manual replica, the audit log, cleanup logs, an agent's history,
//! downtime, per-day series, operational figures, the switch CSV, and
//! `spotctl` over all of it.

use crate::helpers::*;
use clap::Parser;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};
use spotctl::operator::{OperatorCommand, client::CliError};
use std::time::{Duration, Instant};

/// Polls a GET until it answers 200 with a body for which `done` holds.
async fn until(
    t: &TestStack,
    path: &str,
    token: &str,
    done: impl Fn(&Value) -> bool,
) -> anyhow::Result<Value> {
    let answer = async || t.call("GET", path, token, None, None).await;
    let (_, body) =
        eventually(path, Duration::from_secs(10), answer, |(status, body)| *status == 200 && done(body))
            .await?;
    Ok(body)
}

pub(crate) fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

/// The registered instance of the captured v4 register body.
fn registered_instance() -> anyhow::Result<String> {
    Ok(fixture_body("post_agents_register")?["instance_id"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn enable_disable_and_the_kept_manual_replica() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    let (_, other) = t.tenant("beta").await?;

    let (status, off) = t.call("POST", &format!("/api/agents/{agent}/disable"), &token, None, None).await?;
    assert_eq!(
        (status, off["operator_enabled"].clone(), off["config_enabled"].clone()),
        (200, json!(false), json!(false))
    );
    let (_, config) = t.call("GET", &format!("/api/agents/{agent}/config"), &token, None, None).await?;
    assert_eq!(config["enabled"], false, "{config}");
    let (status, again) = t.call("POST", &format!("/api/agents/{agent}/disable"), &token, None, None).await?;
    assert_eq!((status, again["operator_enabled"].clone()), (200, json!(false)), "disable is idempotent");
    let (status, on) = t.call("POST", &format!("/api/agents/{agent}/enable"), &token, None, None).await?;
    assert_eq!((status, on["config_enabled"].clone()), (200, json!(true)));
    until(&t, &format!("/api/agents/{agent}/config"), &token, |c| c["enabled"] == true).await?;
    let (status, _) = t.call("POST", &format!("/api/agents/{agent}/disable"), &other, None, None).await?;
    assert_eq!(status, 404, "another tenant's agent is not found");
    let unknown = uuid::Uuid::now_v7();
    let (status, _) = t.call("POST", &format!("/api/agents/{unknown}/enable"), &token, None, None).await?;
    assert_eq!(status, 404);

    // manual_replica on: the operator's request is the kept replica, one per group.
    let settings = format!("/api/agents/{agent}/settings");
    let (status, body) =
        t.call("PATCH", &settings, &token, Some(r#"{"manual_replica": true}"#), None).await?;
    assert_eq!(status, 200, "{body}");
    let (status, first) =
        t.call("POST", &format!("/api/agents/{agent}/replicas"), &token, Some("{}"), None).await?;
    assert_eq!(status, 200, "{first}");
    let (_, second) =
        t.call("POST", &format!("/api/agents/{agent}/replicas"), &token, Some("{}"), None).await?;
    assert_eq!(first["replica_id"], second["replica_id"], "asking again answers the same replica");
    let kept = first["replica_id"].as_str().unwrap_or_default().to_owned();
    // The database refuses a second live kept replica, whatever writes it.
    let duplicate =
        t.db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO lifecycle.replicas (id, group_id, agent_id, replica_type, status, kept)
             SELECT gen_random_uuid(), group_id, agent_id, 'manual', 'launching', true
               FROM lifecycle.replicas WHERE id = $1::uuid",
            [kept.clone().into()],
        ))
        .await;
    assert!(duplicate.is_err(), "a second live kept replica must violate the partial unique index");

    // manual_replica off removes it.
    let (status, body) =
        t.call("PATCH", &settings, &token, Some(r#"{"manual_replica": false}"#), None).await?;
    assert_eq!(status, 200, "{body}");
    let (_, replicas) = t.call("GET", "/api/replicas", &token, None, None).await?;
    let row = items(&replicas).into_iter().find(|r| r["id"] == kept.as_str()).unwrap_or_default();
    assert_eq!(row["status"], "terminated", "{replicas}");
    Ok(())
}

#[tokio::test]
async fn audit_cleanup_history_downtime_series_and_csv() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    let (_, other) = t.tenant("beta").await?;

    let cleanup = fixture_body("post_cleanup-report")?.to_string();
    let (status, answer) =
        t.call("POST", &format!("/api/agents/{agent}/cleanup-report"), &token, Some(&cleanup), None).await?;
    assert_eq!(status, 200, "{answer}");

    // Cleanup logs land through the bus (a switched-away agent's reports are dropped).
    let logs =
        until(&t, &format!("/api/agents/{agent}/cleanup-logs"), &token, |b| !items(b).is_empty()).await?;
    assert_eq!(items(&logs).len(), 1);
    let mut report = fixture_body("post_switch-report")?;
    report["old_instance"]["instance_id"] = json!(registered_instance()?);
    let path = format!("/api/agents/{agent}/switch-report");
    let (status, answer) = t.call("POST", &path, &token, Some(&report.to_string()), None).await?;
    assert_eq!(status, 200, "{answer}");

    // Audit log by agent, paged; filters checked; foreign ids not found.
    let audit = until(&t, &format!("/api/audit?agent_id={agent}"), &token, |b| !items(b).is_empty()).await?;
    assert!(items(&audit).iter().all(|e| e["agent_id"] == agent.as_str()));
    assert!(items(&audit).iter().all(|e| e["actor"].is_string() && e["event_type"].is_string()));
    let (status, one) =
        t.call("GET", &format!("/api/audit?agent_id={agent}&limit=1"), &token, None, None).await?;
    assert_eq!((status, items(&one).len()), (200, 1));
    if let Some(cursor) = one["next_cursor"].as_str() {
        let (_, next) = t
            .call("GET", &format!("/api/audit?agent_id={agent}&limit=1&cursor={cursor}"), &token, None, None)
            .await?;
        assert_ne!(
            items(&next).first().map(|e| e["id"].clone()),
            items(&one).first().map(|e| e["id"].clone())
        );
    }
    let (status, bad) = t.call("GET", "/api/audit?group_id=nope", &token, None, None).await?;
    assert_eq!((status, bad["error"]["field"].as_str()), (400, Some("group_id")));
    let (_, theirs) = t.call("GET", &format!("/api/audit?agent_id={agent}"), &other, None, None).await?;
    assert!(items(&theirs).is_empty(), "another tenant sees none of our audit rows");
    for tail in ["history", "cleanup-logs", "health"] {
        let (status, _) = t.call("GET", &format!("/api/agents/{agent}/{tail}"), &other, None, None).await?;
        assert_eq!(status, 404, "{tail} of another tenant's agent");
    }

    // One timeline: the registration and the switch.
    let (status, history) =
        t.call("GET", &format!("/api/agents/{agent}/history"), &token, None, None).await?;
    assert_eq!(status, 200, "{history}");
    let kinds: Vec<String> =
        items(&history).iter().filter_map(|e| e["kind"].as_str().map(str::to_owned)).collect();
    assert!(kinds.contains(&"registered".to_owned()) && kinds.contains(&"switch".to_owned()), "{kinds:?}");

    // Downtime over a window, per-day series, operational figures.
    let (status, downtime) = t.call("GET", "/api/analytics/downtime?window=24h", &token, None, None).await?;
    assert_eq!(status, 200, "{downtime}");
    assert_eq!((downtime["count"].as_u64(), downtime["target_seconds"].as_f64()), (Some(1), Some(10.0)));
    assert_eq!(downtime["p95_seconds"], downtime["max_seconds"]);
    assert!(downtime["avg_seconds"].as_f64().is_some_and(|s| s >= 0.0));
    let (status, bad) = t.call("GET", "/api/analytics/downtime?window=2w", &token, None, None).await?;
    assert_eq!((status, bad["error"]["field"].as_str()), (400, Some("window")));
    let (_, theirs) = t.call("GET", "/api/analytics/downtime", &other, None, None).await?;
    assert_eq!(theirs["count"], 0);
    assert_eq!(theirs["p95_seconds"], Value::Null);

    let (status, series) =
        t.call("GET", "/api/analytics/switches-per-day?days=7", &token, None, None).await?;
    assert_eq!(status, 200, "{series}");
    let points = series["points"].as_array().cloned().unwrap_or_default();
    assert_eq!(points.len(), 7);
    assert_eq!(points.last().map(|p| p["value"].clone()), Some(json!(1.0)));
    let (status, savings) =
        t.call("GET", "/api/analytics/savings-per-day?days=3", &token, None, None).await?;
    assert_eq!((status, savings["points"].as_array().map(Vec::len)), (200, Some(3)), "{savings}");

    let (status, ops) = t.call("GET", "/api/metrics/operational?window=7d", &token, None, None).await?;
    assert_eq!(status, 200, "{ops}");
    assert_eq!(ops["switches"], 1);
    assert_eq!(ops["window_days"], 7.0);
    assert!(ops["average_switch_downtime_seconds"].is_number(), "{ops}");
    assert!(ops["consolidations"].is_object());

    // Switch history: a page, then CSV.
    let (status, page) = t.call("GET", "/api/analytics/switches?limit=10", &token, None, None).await?;
    assert_eq!((status, items(&page).len()), (200, 1), "{page}");
    let csv = t.http.get(t.url("/api/analytics/switches?format=csv")).bearer_auth(&token).send().await?;
    assert_eq!(
        csv.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    let text = csv.text().await?;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("id,created_at,group_id,agent_id,trigger"));
    assert!(lines[1].contains(&agent), "{text}");
    let (status, _) = t.call("GET", "/api/analytics/switches?format=xml", &token, None, None).await?;
    assert_eq!(status, 400);
    Ok(())
}

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: OperatorCommand,
}

pub(crate) async fn spotctl(args: &[&str]) -> Result<String, CliError> {
    let cli = Cli::try_parse_from(std::iter::once("spotctl").chain(args.iter().copied()))
        .map_err(|e| CliError::Usage(e.to_string()))?;
    spotctl::operator::run(&cli.command).await
}

#[tokio::test]
async fn spotctl_speaks_the_api_with_tables_json_and_its_errors() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let (acme, token) = t.tenant("acme").await?;
    let agent = t.register(&token).await?;
    let url = t.base.clone();
    let missing = "/nonexistent/spotctl.toml";
    let admin: Vec<&str> = vec!["--url", &url, "--token", ADMIN, "--config", missing];
    let tenant: Vec<&str> = vec!["--url", &url, "--token", &token, "--config", missing];
    fn with(base: &[&str], args: &[&str]) -> Vec<String> {
        args.iter().chain(base).map(|s| (*s).to_owned()).collect()
    }
    let run = |args: Vec<String>| async move {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        spotctl(&refs).await
    };

    let table = run(with(&admin, &["tenants", "list"])).await?;
    assert!(table.starts_with("ID"), "{table}");
    assert!(table.contains(&acme) && table.contains("acme@example.com"), "{table}");
    let json_out = run(with(&admin, &["tenants", "list", "--json", "--q", "acme"])).await?;
    let parsed: Value = serde_json::from_str(&json_out)?;
    assert_eq!(parsed["items"][0]["id"], acme.as_str());

    let minted = run(with(&admin, &["tokens", "create", &acme, "--name", "cli", "--json"])).await?;
    let minted: Value = serde_json::from_str(&minted)?;
    assert!(minted["secret"].as_str().is_some_and(|s| s.starts_with("spot_")));
    let tokens = run(with(&admin, &["tokens", "list", &acme])).await?;
    assert!(tokens.contains("cli") && tokens.contains("default"), "{tokens}");

    let agents = run(with(&tenant, &["agents", "list"])).await?;
    assert!(agents.contains(&agent), "{agents}");
    let disabled = run(with(&tenant, &["agents", "disable", &agent])).await?;
    assert!(disabled.contains("operator_enabled") && disabled.contains("no"), "{disabled}");
    let downtime = run(with(&tenant, &["switches", "downtime", "--window", "7d", "--json"])).await?;
    assert_eq!(serde_json::from_str::<Value>(&downtime)?["count"], 0);
    let csv = run(with(&tenant, &["switches", "export"])).await?;
    assert!(csv.starts_with("id,created_at"), "{csv}");

    // The API's errors, as the API gave them.
    let unknown = uuid::Uuid::now_v7().to_string();
    match run(with(&admin, &["tenants", "get", &unknown])).await {
        Err(CliError::Api(e)) => assert_eq!((e.status, e.code.as_str()), (404, "not_found")),
        other => anyhow::bail!("expected a 404, got {other:?}"),
    }
    match run(with(&tenant, &["tenants", "list"])).await {
        Err(CliError::Api(e)) => assert_eq!((e.status, e.code.as_str()), (401, "unauthorized")),
        other => anyhow::bail!("expected a 401, got {other:?}"),
    }
    match run(with(&tenant, &["switches", "downtime", "--window", "nope"])).await {
        Err(CliError::Api(e)) => assert_eq!((e.status, e.code.as_str()), (400, "invalid_field")),
        other => anyhow::bail!("expected a 400, got {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn a_deleted_agent_is_told_enabled_false_once_then_not_found() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    let (_, other) = t.tenant("beta").await?;
    let (second, _replica) = t.second_gateway().await?;
    // Both replicas know the agent (and cache its owner and config).
    let config = format!("/api/agents/{agent}/config");
    let (status, body) = t.call("GET", &config, &token, None, None).await?;
    assert_eq!((status, body["enabled"].clone()), (200, json!(true)));
    let on_second = |path: &str| t.http.get(format!("{second}{path}")).bearer_auth(&token).send();
    assert_eq!(on_second(&format!("/api/agents/{agent}")).await?.status().as_u16(), 200);

    let (status, _) = t.call("DELETE", &format!("/api/agents/{agent}"), &other, None, None).await?;
    assert_eq!(status, 404, "another tenant cannot delete it");
    let (status, deleted) = t.call("DELETE", &format!("/api/agents/{agent}"), &token, None, None).await?;
    assert_eq!(status, 200, "{deleted}");
    assert_eq!(deleted["deleted"], true);
    assert_eq!(deleted["released_instances"], json!([]), "the PRIMARY stays in the group");

    // The other replica forgets it at once: its first config poll says stop, then 404.
    let served = async || Ok(on_second(&format!("/api/agents/{agent}")).await?.status().as_u16());
    eventually("replica 2 forgets the deleted agent", Duration::from_secs(1), served, |s| *s == 404).await?;
    let resp = on_second(&config).await?;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.json::<Value>().await?["enabled"], false);
    let (status, _) = t.call("GET", &config, &token, None, None).await?;
    assert_eq!(status, 404, "after the farewell every call is 404");
    let heartbeat = fixture_body("post_heartbeat")?.to_string();
    let (status, _) =
        t.call("POST", &format!("/api/agents/{agent}/heartbeat"), &token, Some(&heartbeat), None).await?;
    assert_eq!(status, 404);
    let (status, _) = t.call("DELETE", &format!("/api/agents/{agent}"), &token, None, None).await?;
    assert_eq!(status, 404);

    let (_, listed) = t.call("GET", "/api/agents", &token, None, None).await?;
    assert!(items(&listed).is_empty(), "{listed}");
    let (_, audit) = t.call("GET", "/api/audit", &token, None, None).await?;
    let event = items(&audit).into_iter().find(|e| e["event_type"] == "agent_deleted").unwrap_or_default();
    assert!(event["actor"].as_str().is_some_and(|a| a.starts_with("token:")), "{audit}");
    Ok(())
}

#[tokio::test]
async fn emergency_events_carry_their_notice_to_action_latency() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let (acme, token) = t.tenant("acme").await?;
    let (_, other) = t.tenant("beta").await?;
    let agent = t.register(&token).await?;
    let deadline =
        (chrono::Utc::now() + chrono::Duration::seconds(120)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let notice = json!({"instance_id": registered_instance()?, "termination_time": deadline}).to_string();
    let path = format!("/api/agents/{agent}/termination-imminent");
    // Emergency learns the group from lifecycle's events: retry until it has.
    let until_accepted = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, answer) = t.call("POST", &path, &token, Some(&notice), None).await?;
        if status == 200 {
            break;
        }
        anyhow::ensure!(Instant::now() < until_accepted, "notice refused: {status} {answer}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, events) = t.call("GET", "/api/analytics/emergency-events", &token, None, None).await?;
    assert_eq!(status, 200, "{events}");
    let rows = items(&events);
    assert_eq!(rows.len(), 1, "{events}");
    assert_eq!(
        (rows[0]["kind"].as_str(), rows[0]["agent_id"].as_str()),
        (Some("termination"), Some(agent.as_str()))
    );
    assert!(rows[0]["notice_to_action_ms"].is_number(), "the decision's latency is measured: {events}");
    let (_, theirs) = t.call("GET", "/api/analytics/emergency-events", &other, None, None).await?;
    assert!(items(&theirs).is_empty());
    let (status, admin) =
        t.call("GET", &format!("/api/admin/emergency-events?client_id={acme}"), ADMIN, None, None).await?;
    assert_eq!((status, items(&admin).len()), (200, 1));
    let (status, _) = t.call("GET", "/api/admin/emergency-events", &token, None, None).await?;
    assert_eq!(status, 401);
    let (status, bad) = t.call("GET", "/api/analytics/emergency-events?limit=0", &token, None, None).await?;
    assert_eq!((status, bad["error"]["field"].as_str()), (400, Some("limit")));

    let table =
        spotctl(&["notices", "list", "--url", &t.base, "--token", &token, "--config", "/nonexistent/x.toml"])
            .await?;
    assert!(table.starts_with("ID") && table.contains("termination"), "{table}");
    Ok(())
}
