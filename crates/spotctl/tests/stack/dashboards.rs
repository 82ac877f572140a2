//! Every metric a Grafana panel or an alert rule uses is exported by a
//! running stack: the names in deploy/grafana/dashboards/*.json and
//! deploy/prometheus/alerts.yml against what the five services' /metrics
//! answer after a little traffic (a heartbeat, a termination notice, a
//! savings day). Guards against renaming a metric and leaving a dashboard
//! or an alert silently empty.

use crate::helpers::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// `spot_*` identifiers in a PromQL text, without histogram suffixes.
fn metric_names(promql: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let bytes = promql.as_bytes();
    let mut i = 0;
    while let Some(at) = promql[i..].find("spot_") {
        let start = i + at;
        let boundary = start == 0 || !(bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_');
        let end = promql[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(promql.len(), |n| start + n);
        if boundary {
            let name = &promql[start..end];
            let base =
                ["_bucket", "_sum", "_count"].iter().find_map(|s| name.strip_suffix(s)).unwrap_or(name);
            names.insert(base.to_owned());
        }
        i = end;
    }
    names
}

fn panel_exprs(panels: &[Value], out: &mut Vec<String>) {
    for p in panels {
        for t in p["targets"].as_array().into_iter().flatten() {
            if let Some(e) = t["expr"].as_str() {
                out.push(e.to_owned());
            }
        }
        panel_exprs(p["panels"].as_array().map(Vec::as_slice).unwrap_or_default(), out);
    }
}

/// Names used by the dashboards and the alert rules, each with where it is used.
fn used_names() -> anyhow::Result<Vec<(String, String)>> {
    let mut used = Vec::new();
    for entry in std::fs::read_dir(repo_root().join("deploy/grafana/dashboards"))? {
        let path = entry?.path();
        let dash: Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
        let mut exprs = Vec::new();
        panel_exprs(dash["panels"].as_array().map(Vec::as_slice).unwrap_or_default(), &mut exprs);
        anyhow::ensure!(!exprs.is_empty(), "{} has no queries", path.display());
        for e in exprs {
            used.extend(metric_names(&e).into_iter().map(|n| (n, path.display().to_string())));
        }
    }
    let rules: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(repo_root().join("deploy/prometheus/alerts.yml"))?)?;
    for group in rules["groups"].as_sequence().into_iter().flatten() {
        for rule in group["rules"].as_sequence().into_iter().flatten() {
            let expr = rule["expr"].as_str().unwrap_or_default();
            let alert = rule["alert"].as_str().unwrap_or_default();
            used.extend(metric_names(expr).into_iter().map(|n| (n, format!("alert {alert}"))));
        }
    }
    Ok(used)
}

/// Metric family names (`# TYPE` lines) of a /metrics answer.
fn exported(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn metric_names_are_read_from_promql() {
    let names = metric_names(
        r#"histogram_quantile(0.95, sum by (le) (rate(spot_switch_downtime_seconds_bucket[1h]))) > 10
           and up{job=~"spot-.*"} and spot_agents{status="online"} / notspot_x"#,
    );
    assert_eq!(names.into_iter().collect::<Vec<_>>(), ["spot_agents", "spot_switch_downtime_seconds"]);
}

#[tokio::test]
async fn every_metric_a_dashboard_or_alert_uses_is_exported_by_a_running_stack() -> anyhow::Result<()> {
    let used = used_names()?;
    anyhow::ensure!(used.len() > 20, "too few metric uses found: {used:?}");
    let t = TestStack::start().await?;
    let (tenant, token) = t.tenant("metrics").await?;
    let agent = t.register(&token).await?;
    let hb = fixture_body("post_heartbeat")?.to_string();
    let (status, _, _) = t.send("POST", &format!("/api/agents/{agent}/heartbeat"), &token, Some(&hb)).await?;
    anyhow::ensure!(status == 200);
    let noticed = {
        let mut reg = fixture_body("post_agents_register")?;
        reg["instance_id"] = "i-metrics".into();
        reg["logical_agent_id"] = "group-metrics".into();
        let (_, _, r) = t.send("POST", "/api/agents/register", &token, Some(&reg.to_string())).await?;
        r["agent_id"].as_str().unwrap_or_default().to_owned()
    };
    let deadline =
        (chrono::Utc::now() + chrono::Duration::seconds(120)).format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let notice = json!({"instance_id": "i-metrics", "termination_time": deadline});
    let (status, answer) = t.notice(&noticed, &token, &notice.to_string()).await?;
    anyhow::ensure!(status == 200, "{answer}");
    // A computed savings day (the daily job would write it).
    sea_orm::ConnectionTrait::execute_unprepared(
        &t.db,
        &format!(
            "INSERT INTO pricing.savings_snapshots (client_id, day, spot_hours, on_demand_hours, actual_cost,
                 on_demand_equivalent_cost, savings, savings_percent, switch_count)
             VALUES ('{tenant}', current_date, 24, 0, 7, 10, 3, 30, 0)"
        ),
    )
    .await?;

    let stack = t.stack.as_ref().ok_or_else(|| anyhow::anyhow!("stack stopped"))?;
    let services = [&stack.gateway, &stack.lifecycle, &stack.emergency, &stack.pricing, &stack.decisions];
    // Database-derived metrics refresh every 15 s: wait for one refresh after the traffic.
    let deadline = Instant::now() + Duration::from_secs(45);
    loop {
        let mut all = BTreeSet::new();
        let mut texts = Vec::new();
        for svc in services {
            let text = t.http.get(format!("http://{}/metrics", svc.http_addr)).send().await?.text().await?;
            all.extend(exported(&text));
            texts.push(text);
        }
        let missing: Vec<&(String, String)> = used.iter().filter(|(n, _)| !all.contains(n)).collect();
        if missing.is_empty() {
            for text in &texts {
                promtool_check_metrics(text)?;
            }
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "used but not exported: {missing:#?}\nexported: {all:#?}");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// `promtool check metrics` on one /metrics answer: Prometheus' own lint of
/// names, types, units and help texts (`make test` installs promtool).
fn promtool_check_metrics(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    child.stdin.take().ok_or_else(|| anyhow::anyhow!("promtool stdin"))?.write_all(text.as_bytes())?;
    let out = child.wait_with_output()?;
    anyhow::ensure!(
        out.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}
