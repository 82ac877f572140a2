//! Contract tests of the field's client dashboard (docs/CLIENT_DASHBOARD.md):
//! one test per path against the real stack, called the way the dashboard
//! calls (bearer + JSON content type everywhere, empty bodies with
//! Content-Length 0, no X-Request-ID), checking status, envelope, names and
//! JSON types, plus another tenant's ids answering 404.

use crate::helpers::*;
use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};
use std::time::Duration;

const PRIMARY: &str = "i-0414c8d1bb16a226c";

/// Two tenants, tenant A with a registered, heart-beating v4 agent.
struct Fleet {
    t: TestStack,
    client: String,
    token: String,
    agent: String,
    other_client: String,
    other_token: String,
    other_agent: String,
}

async fn fleet() -> anyhow::Result<Fleet> {
    let t = TestStack::start().await?;
    let (client, token) = t.tenant("acme").await?;
    let (other_client, other_token) = t.tenant("globex").await?;
    let agent = t.register(&token).await?;
    let other_agent = t.register(&other_token).await?;
    let heartbeat = fixture_body("post_heartbeat")?.to_string();
    let (status, _, _) =
        t.send("POST", &format!("/api/agents/{agent}/heartbeat"), &token, Some(&heartbeat)).await?;
    anyhow::ensure!(status == 200);
    // Heartbeats are applied from the bus: wait until this one is.
    let applied = async || t.heartbeat_count(&agent).await;
    eventually("heartbeat applied", Duration::from_secs(10), applied, |c| {
        c.as_ref().is_some_and(|(n, _)| *n > 0)
    })
    .await?;
    Ok(Fleet { t, client, token, agent, other_client, other_token, other_agent })
}

impl Fleet {
    /// `/api/agents/{agent}` and `tail`: a path of tenant A's agent.
    fn agent_path(&self, tail: &str) -> String {
        format!("/api/agents/{}{tail}", self.agent)
    }

    /// A call of tenant A as the dashboard makes it.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<(u16, Value)> {
        call(&self.t, method, path, &self.token, body).await
    }

    /// A page of tenant A (`/api/client/{client}` and `tail`) as the dashboard
    /// reads it: 200 and its body.
    async fn page(&self, tail: &str) -> anyhow::Result<Value> {
        let path = format!("/api/client/{}{tail}", self.client);
        let (status, body) = self.call("GET", &path, None).await?;
        anyhow::ensure!(status == 200, "{path}: {status} {body}");
        Ok(body)
    }

    /// Tenant B calling tenant A's `path` gets the dashboard's 404.
    async fn refused_to_other(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<()> {
        let (status, body) = call(&self.t, method, path, &self.other_token, body).await?;
        anyhow::ensure!(status == 404 && dash_error(&body), "{method} {path}: {status} {body}");
        Ok(())
    }
}

/// A call as the dashboard makes it; `None` sends an empty body (Content-Length 0).
async fn call(
    t: &TestStack,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> anyhow::Result<(u16, Value)> {
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let (status, headers, json) = t.send(method, path, token, Some(&body)).await?;
    let kind = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    anyhow::ensure!(kind.starts_with("application/json"), "{status} answered {kind:?}: {json}");
    Ok((status, json))
}

/// A dashboard-only path's error: `{"error": "<text>"}`.
fn dash_error(body: &Value) -> bool {
    body["error"].as_str().is_some_and(|e| !e.is_empty())
}

fn is_utc(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.ends_with('Z') && chrono::DateTime::parse_from_rfc3339(s).is_ok())
}

fn assert_types(obj: &Value, strings: &[&str], numbers: &[&str], bools: &[&str]) {
    for k in strings {
        assert!(obj[k].is_string(), "{k} is not a string in {obj}");
    }
    for k in numbers {
        assert!(obj[k].is_number(), "{k} is not a number in {obj}");
    }
    for k in bools {
        assert!(obj[k].is_boolean(), "{k} is not a boolean in {obj}");
    }
}

/// Posts a pricing report with `prices` per AZ (collected now) and waits until staged.
async fn report_prices(f: &Fleet, prices: &[(&str, f64)]) -> anyhow::Result<()> {
    let mut body = fixture_body("post_pricing-report")?;
    body["pricing"]["collected_at"] = Utc::now().format("%Y-%m-%dT%H:%M:%S%.6f").to_string().into();
    body["pricing"]["on_demand_price"] = json!(0.0416);
    body["pricing"]["spot_pools"] = prices
        .iter()
        .map(|(az, p)| json!({"az": az, "instance_type": "t3.medium", "pool_id": format!("t3.medium.{az}"), "price": p}))
        .collect();
    let path = f.agent_path("/pricing-report");
    let (status, _, answer) = f.t.send("POST", &path, &f.token, Some(&body.to_string())).await?;
    anyhow::ensure!(status == 200, "pricing report {status}: {answer}");
    let staged = async || {
        f.t.count(
            "SELECT (SELECT count(*) FROM pricing.spot_price_snapshots)
              + (SELECT count(*) FROM pricing.on_demand_prices)",
        )
        .await
    };
    eventually("pricing report staged", Duration::from_secs(10), staged, |n| *n > prices.len() as i64)
        .await?;
    Ok(())
}

/// The fleet after a pricing report with `prices` per AZ.
async fn priced_fleet(prices: &[(&str, f64)]) -> anyhow::Result<Fleet> {
    let f = fleet().await?;
    report_prices(&f, prices).await?;
    Ok(f)
}

/// The agent reports a finished switch away from its instance.
async fn switch_report(f: &Fleet) -> anyhow::Result<()> {
    let mut report = fixture_body("post_switch-report")?;
    report["old_instance"]["instance_id"] = json!(PRIMARY);
    let path = f.agent_path("/switch-report");
    let (status, _, answer) = f.t.send("POST", &path, &f.token, Some(&report.to_string())).await?;
    anyhow::ensure!(status == 200, "switch report {status}: {answer}");
    Ok(())
}

/// The fleet after the agent reported a switch.
async fn switched_fleet() -> anyhow::Result<Fleet> {
    let f = fleet().await?;
    switch_report(&f).await?;
    Ok(f)
}

/// The fleet with the agent's emergency replica (ready), and its id.
async fn fleet_with_replica() -> anyhow::Result<(Fleet, String)> {
    let f = fleet().await?;
    let replica = agent_replica(&f).await?;
    Ok((f, replica))
}

/// The v4 agent's emergency replica report (ready).
async fn agent_replica(f: &Fleet) -> anyhow::Result<String> {
    let body = fixture_body("post_replicas")?;
    let (status, answer) = f.call("POST", &f.agent_path("/replicas"), Some(body)).await?;
    anyhow::ensure!(status == 200, "replica report {status}: {answer}");
    assert_eq!(answer["success"], true, "{answer}");
    Ok(answer["replica_id"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn p01_validate_logs_in_and_refuses_bad_or_inactive_tokens() -> anyhow::Result<()> {
    let f = fleet().await?;
    let (status, body) = f.call("GET", "/api/client/validate", None).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["valid"], true);
    assert_eq!(body["client_id"], json!(f.client));
    assert_types(&body, &["client_id", "name", "email"], &[], &["valid"]);
    let (status, _) = call(&f.t, "GET", "/api/client/validate", "spot_not-a-token", None).await?;
    assert_eq!(status, 401);
    // A tenant that is not active (suspended before its token was ever used).
    let (suspended, token) = f.t.tenant("initech").await?;
    f.t.db
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "UPDATE gateway.tenants SET status = 'suspended' WHERE id = $1::uuid",
            [suspended.into()],
        ))
        .await?;
    let (status, body) = call(&f.t, "GET", "/api/client/validate", &token, None).await?;
    assert_eq!(status, 403, "{body}");
    Ok(())
}

#[tokio::test]
async fn p02_dashboard_stats() -> anyhow::Result<()> {
    let f = switched_fleet().await?;
    let body = f.page("").await?;
    assert_types(
        &body,
        &[],
        &[
            "total_agents",
            "online_agents",
            "active_instances",
            "spot_instances",
            "total_switches",
            "switches_today",
            "total_savings",
            "monthly_savings",
        ],
        &[],
    );
    assert_eq!((body["total_switches"].clone(), body["switches_today"].clone()), (json!(1), json!(1)));
    let recent = &body["recent_switches"][0];
    assert_types(
        recent,
        &["id", "old_instance_id", "new_instance_id", "old_mode", "new_mode"],
        &["savings_impact"],
        &[],
    );
    assert!(is_utc(&recent["initiated_at"]), "{recent}");
    let agents = body["active_agents"].as_array().cloned().unwrap_or_default();
    assert!(agents.iter().any(|a| a["id"] == json!(f.agent)), "{body}");
    for a in &agents {
        assert_types(
            a,
            &["id", "instance_id", "instance_type", "region", "current_mode", "status"],
            &[],
            &[],
        );
    }
    f.refused_to_other("GET", &format!("/api/client/{}", f.client), None).await?;
    Ok(())
}

#[tokio::test]
async fn p03_agents_list() -> anyhow::Result<()> {
    let f = fleet().await?;
    let body = f.page("/agents").await?;
    let agents = body["agents"].as_array().cloned().unwrap_or_default();
    assert_eq!(agents.len(), 1, "{body}");
    let a = &agents[0];
    assert_types(
        a,
        &[
            "id",
            "logical_agent_id",
            "hostname",
            "instance_id",
            "instance_type",
            "region",
            "az",
            "current_mode",
            "status",
        ],
        &["replica_count"],
        &["enabled", "auto_switch_enabled", "auto_terminate_enabled", "manual_replica_enabled"],
    );
    assert_eq!(
        (a["id"].clone(), a["status"].clone(), a["current_mode"].clone()),
        (json!(f.agent), json!("online"), json!("spot"))
    );
    assert!(is_utc(&a["last_heartbeat_at"]), "{a}");
    f.refused_to_other("GET", &format!("/api/client/{}/agents", f.client), None).await?;
    let (status, _) =
        call(&f.t, "GET", &format!("/api/client/{}/agents", f.client), "spot_bad", None).await?;
    assert_eq!(status, 401);
    Ok(())
}

#[tokio::test]
async fn p04_one_agent_bare() -> anyhow::Result<()> {
    let f = fleet().await?;
    let (status, body) = f.call("GET", &f.agent_path(""), None).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], json!(f.agent));
    assert_types(&body, &["instance_id", "current_mode", "status"], &["replica_count"], &["enabled"]);
    for (token, id) in
        [(&f.other_token, f.agent.as_str()), (&f.token, f.other_agent.as_str()), (&f.token, "nope")]
    {
        let (status, body) = call(&f.t, "GET", &format!("/api/agents/{id}"), token, None).await?;
        assert_eq!((status, body["error"].clone()), (404, json!("Agent not found")), "{id}");
    }
    Ok(())
}

#[tokio::test]
async fn p05_toggle_enabled_flips_what_the_v4_agent_reads() -> anyhow::Result<()> {
    let f = fleet().await?;
    let config = f.agent_path("/config");
    let toggle = format!("/api/client/agents/{}/toggle-enabled", f.agent);
    assert_eq!(f.call("GET", &config, None).await?, (200, json!({"enabled": true})));
    let (status, body) = f.call("POST", &toggle, None).await?;
    assert_eq!(
        (status, body.clone()),
        (200, json!({"success": true, "agent_id": f.agent, "enabled": false}))
    );
    assert_eq!(f.call("GET", &config, None).await?, (200, json!({"enabled": false})));
    let list = f.page("/agents").await?;
    assert_eq!(
        (list["agents"][0]["enabled"].clone(), list["agents"][0]["status"].clone()),
        (json!(false), json!("disabled"))
    );
    let (status, body) = f.call("POST", &toggle, None).await?;
    assert_eq!((status, body["enabled"].clone()), (200, json!(true)));
    assert_eq!(f.call("GET", &config, None).await?, (200, json!({"enabled": true})));
    // An explicit value sets rather than flips, and repeats are harmless.
    for _ in 0..2 {
        let (status, body) = f.call("POST", &toggle, Some(json!({"enabled": false}))).await?;
        assert_eq!((status, body["enabled"].clone()), (200, json!(false)));
    }
    assert_eq!(f.call("GET", &config, None).await?, (200, json!({"enabled": false})));
    f.refused_to_other("POST", &toggle, None).await?;
    Ok(())
}

#[tokio::test]
async fn p06_settings_modal() -> anyhow::Result<()> {
    let f = fleet().await?;
    let path = format!("/api/client/agents/{}/settings", f.agent);
    let list = format!("/api/client/{}/agents", f.client);
    let body = json!({"auto_switch_enabled": false, "auto_terminate_enabled": true, "manual_replica_enabled": true, "replica_count": "3"});
    assert_eq!(f.call("POST", &path, Some(body)).await?, (200, json!({"success": true})));
    let (_, agents) = f.call("GET", &list, None).await?;
    let a = &agents["agents"][0];
    assert_eq!(
        (
            a["auto_terminate_enabled"].clone(),
            a["manual_replica_enabled"].clone(),
            a["replica_count"].clone()
        ),
        (json!(true), json!(true), json!(3))
    );
    // A cleared count is ignored; a number is taken as is.
    let body = json!({"auto_switch_enabled": false, "auto_terminate_enabled": false, "manual_replica_enabled": true, "replica_count": ""});
    assert_eq!(f.call("POST", &path, Some(body)).await?.0, 200);
    let body = json!({"manual_replica_enabled": false, "replica_count": 1});
    assert_eq!(f.call("POST", &path, Some(body)).await?.0, 200);
    let (_, agents) = f.call("GET", &list, None).await?;
    assert_eq!(
        (agents["agents"][0]["replica_count"].clone(), agents["agents"][0]["auto_terminate_enabled"].clone()),
        (json!(1), json!(false))
    );
    // Both modes on is the exclusivity conflict; a count out of range is refused.
    let both = json!({"auto_switch_enabled": true, "manual_replica_enabled": true});
    assert_eq!(f.call("POST", &path, Some(both)).await?.0, 409);
    assert_eq!(f.call("POST", &path, Some(json!({"replica_count": 9}))).await?.0, 400);
    assert_eq!(f.call("POST", &path, None).await?, (200, json!({"success": true})));
    f.refused_to_other("POST", &path, Some(json!({}))).await?;
    Ok(())
}

#[tokio::test]
async fn p07_switch_modal_auto_selects_the_cheapest_pool() -> anyhow::Result<()> {
    let f = priced_fleet(&[("us-east-1a", 0.0100), ("us-east-1b", 0.0150), ("us-east-1c", 0.0120)]).await?;
    let path = f.agent_path("/issue-switch-command");
    let (status, body) =
        f.call("POST", &path, Some(json!({"target_mode": "spot", "target_pool_id": ""}))).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["success"].clone(), body["agent_id"].clone()), (json!(true), json!(f.agent)));
    assert_types(&body, &["command_id", "target_mode"], &[], &["success"]);
    // Running in 1a on spot: the cheapest other pool.
    assert_eq!(body["target_pool_id"], "t3.medium.us-east-1c", "{body}");
    let (_, _, pending) = f.t.send("GET", &f.agent_path("/pending-commands"), &f.token, None).await?;
    assert_eq!(pending[0]["id"], body["command_id"]);
    assert!(pending[0]["priority"].as_i64().is_some_and(|p| p >= 50), "{pending}");
    let (status, body) = call(
        &f.t,
        "POST",
        &path,
        &f.other_token,
        Some(json!({"target_mode": "ondemand", "target_pool_id": ""})),
    )
    .await?;
    assert_eq!(status, 404, "{body}");
    Ok(())
}

#[tokio::test]
async fn p08_instances_page() -> anyhow::Result<()> {
    let f = priced_fleet(&[("us-east-1a", 0.0125), ("us-east-1b", 0.0150)]).await?;
    let body = f.page("/instances").await?;
    let list = body["instances"].as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 1, "{body}");
    let i = &list[0];
    assert_types(
        i,
        &["id", "instance_type", "region", "az", "current_mode"],
        &["spot_price", "ondemand_price"],
        &["is_active"],
    );
    assert_eq!(
        (i["id"].clone(), i["spot_price"].clone(), i["ondemand_price"].clone(), i["is_active"].clone()),
        (json!(PRIMARY), json!(0.0125), json!(0.0416), json!(true))
    );
    f.refused_to_other("GET", &format!("/api/client/{}/instances", f.client), None).await?;
    Ok(())
}

#[tokio::test]
async fn p09_instance_pricing() -> anyhow::Result<()> {
    let f = priced_fleet(&[("us-east-1a", 0.0125), ("us-east-1b", 0.0121)]).await?;
    let path = format!("/api/client/instances/{PRIMARY}/pricing");
    let (status, body) = f.call("GET", &path, None).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["currentMode"], "spot");
    assert_eq!(
        body["currentPool"],
        json!({"id": "t3.medium.us-east-1a", "name": "t3.medium.us-east-1a", "az": "us-east-1a"})
    );
    assert_eq!(body["onDemand"], json!({"name": "On-Demand", "price": 0.0416}));
    let pools = body["pools"].as_array().cloned().unwrap_or_default();
    assert_eq!(pools.len(), 2, "{body}");
    assert_eq!(
        pools[0],
        json!({"id": "t3.medium.us-east-1b", "name": "t3.medium.us-east-1b", "az": "us-east-1b", "price": 0.0121, "savings": 70.9})
    );
    // Unknown, and another tenant's instance (the replica only tenant A has).
    let (status, body) = f.call("GET", "/api/client/instances/i-unknown/pricing", None).await?;
    assert!(status == 404 && dash_error(&body), "{status} {body}");
    agent_replica(&f).await?;
    let replica = "/api/client/instances/i-ed870cb0854881b6e/pricing";
    assert_eq!(f.call("GET", replica, None).await?.0, 200);
    f.refused_to_other("GET", replica, None).await?;
    Ok(())
}

#[tokio::test]
async fn p10_switches_page() -> anyhow::Result<()> {
    let f = switched_fleet().await?;
    let body = f.page("/switches").await?;
    assert_eq!(body["total"], 1);
    let s = &body["switches"][0];
    assert_types(
        s,
        &[
            "id",
            "old_instance_id",
            "old_mode",
            "old_az",
            "new_instance_id",
            "new_mode",
            "new_az",
            "trigger_type",
        ],
        &["savings_impact"],
        &[],
    );
    assert!(is_utc(&s["initiated_at"]), "{s}");
    assert_eq!(
        (s["old_instance_id"].clone(), s["trigger_type"].clone(), s["new_az"].clone()),
        (json!(PRIMARY), json!("manual"), json!("us-east-1b"))
    );
    let (status, body) = f.call("GET", &format!("/api/client/{}/switches", f.other_client), None).await?;
    assert!(status == 404 && dash_error(&body), "{status} {body}");
    let (_, theirs) =
        call(&f.t, "GET", &format!("/api/client/{}/switches", f.other_client), &f.other_token, None).await?;
    assert_eq!(theirs, json!({"switches": [], "total": 0}));
    Ok(())
}

#[tokio::test]
async fn p11_replicas_page() -> anyhow::Result<()> {
    let f = priced_fleet(&[("us-east-1a", 0.0119), ("us-east-1c", 0.0130)]).await?;
    agent_replica(&f).await?;
    let (status, _) = f
        .call("POST", &f.agent_path("/replicas"), Some(json!({"target_pool_id": "t3.medium.us-east-1c"})))
        .await?;
    assert_eq!(status, 200);
    let body = f.page("/replicas").await?;
    let list = body["replicas"].as_array().cloned().unwrap_or_default();
    assert_eq!(list.len(), 2, "{body}");
    for r in &list {
        assert_types(r, &["id", "agent_id", "replica_type", "pool_id", "status"], &["hourly_cost"], &[]);
        assert!(r["id"].as_str().is_some_and(|id| id.len() >= 8), "{r}");
        assert_eq!(r["agent_id"], json!(f.agent));
    }
    let manual = &list[0];
    assert_eq!(
        (manual["replica_type"].clone(), manual["status"].clone(), manual["hourly_cost"].clone()),
        (json!("manual"), json!("launching"), json!(0.013))
    );
    let emergency = &list[1];
    assert_eq!(
        (emergency["replica_type"].clone(), emergency["status"].clone(), emergency["hourly_cost"].clone()),
        (json!("emergency"), json!("ready"), json!(0.0119))
    );
    f.refused_to_other("GET", &format!("/api/client/{}/replicas", f.client), None).await?;
    Ok(())
}

#[tokio::test]
async fn p12_create_replica_from_the_dashboard_and_from_the_agent() -> anyhow::Result<()> {
    let f = priced_fleet(&[("us-east-1a", 0.0100), ("us-east-1b", 0.0140), ("us-east-1d", 0.0120)]).await?;
    let path = f.agent_path("/replicas");
    let (status, body) = f.call("POST", &path, Some(json!({"target_pool_id": ""}))).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!((body["success"].clone(), body["status"].clone()), (json!(true), json!("launching")));
    let id = body["replica_id"].as_str().unwrap_or_default().to_owned();
    assert!(id.len() >= 8, "{body}");
    // One live manual replica per group: a second click returns it.
    let (_, again) = f.call("POST", &path, Some(json!({"target_pool_id": ""}))).await?;
    assert_eq!(again["replica_id"], json!(id));
    let list = f.page("/replicas").await?;
    assert_eq!(
        list["replicas"][0]["pool_id"], "t3.medium.us-east-1d",
        "cheapest pool outside the primary's AZ"
    );
    // The agent's report on the same path still records its replica.
    let agent_id = agent_replica(&f).await?;
    assert!(agent_id.len() >= 8 && agent_id != id);
    let (status, body) =
        call(&f.t, "POST", &path, &f.other_token, Some(json!({"target_pool_id": ""}))).await?;
    assert_eq!(status, 404, "{body}");
    let (status, _) = f.call("POST", &path, Some(json!({"target_pool_id": "nonsense"}))).await?;
    assert_eq!(status, 400);
    Ok(())
}

#[tokio::test]
async fn p13_promote_with_an_empty_body() -> anyhow::Result<()> {
    let (f, replica) = fleet_with_replica().await?;
    let path = f.agent_path(&format!("/replicas/{replica}/promote"));
    let (status, body) = call(&f.t, "POST", &path, &f.other_token, None).await?;
    assert_eq!(status, 404, "{body}");
    let (status, body) = f.call("POST", &path, None).await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["success"].clone(), body["replica_id"].clone(), body["new_instance_id"].clone()),
        (json!(true), json!(replica), json!("i-ed870cb0854881b6e"))
    );
    // The promoted replica serves now: terminating it from the Replicas page is refused.
    let (status, body) = f.call("DELETE", &f.agent_path(&format!("/replicas/{replica}")), None).await?;
    assert_eq!((status, body["code"].clone()), (409, json!("replica_is_primary")), "{body}");
    assert!(dash_error(&body));
    Ok(())
}

#[tokio::test]
async fn p14_terminate_answers_200_json_never_204() -> anyhow::Result<()> {
    let (f, replica) = fleet_with_replica().await?;
    let path = f.agent_path(&format!("/replicas/{replica}"));
    f.refused_to_other("DELETE", &path, None).await?;
    for _ in 0..2 {
        let (status, body) = f.call("DELETE", &path, None).await?;
        assert_eq!(
            (status, body),
            (200, json!({"success": true, "replica_id": replica, "status": "terminated"}))
        );
    }
    let list = f.page("/replicas").await?;
    assert_eq!(list["replicas"][0]["status"], "terminated");
    let unknown = f.agent_path("/replicas/00000000-0000-0000-0000-000000000000");
    let (status, body) = f.call("DELETE", &unknown, None).await?;
    assert!(status == 404 && dash_error(&body), "{status} {body}");
    Ok(())
}

#[tokio::test]
async fn p15_savings() -> anyhow::Result<()> {
    let f = fleet().await?;
    let body = f.page("/savings").await?;
    assert!(body["total_savings"].is_number(), "{body}");
    assert!(body["monthly_savings"].is_array(), "{body}");
    f.refused_to_other("GET", &format!("/api/client/{}/savings", f.client), None).await?;
    Ok(())
}
