//! Operators' API part 3, the last reads (docs/OPERATORS_API.md): unknown
//! instances from inventory reconciliation (lifecycle `ListUnknownInstances`)
//! and replica cost per day with savings net of it (pricing
//! `ListReplicaCosts`), tenant-scoped, every tenant for the admin, paged, bad
//! input refused with its field, and `spotctl` over both.

use crate::helpers::*;
use crate::operators_reads::{items, spotctl};
use chrono::{Days, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};
use spot_lifecycle::jobs::inventory;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// A tenant's agent whose (PRIMARY) heartbeat monitors `strangers` too.
async fn agent_monitoring(t: &TestStack, token: &str, strangers: &[&str]) -> anyhow::Result<String> {
    let agent = t.register(token).await?;
    let mut hb = fixture_body("post_heartbeat")?;
    let own = fixture_body("post_agents_register")?["instance_id"].clone();
    let mut monitored = vec![own];
    monitored.extend(strangers.iter().map(|s| json!(s)));
    hb["monitored_instances"] = Value::Array(monitored);
    let (status, _, answer) =
        t.send("POST", &format!("/api/agents/{agent}/heartbeat"), token, Some(&hb.to_string())).await?;
    anyhow::ensure!(status == 200, "heartbeat: {answer}");
    let want = strangers.len() as i64 + 1;
    let deadline = Instant::now() + Duration::from_secs(10);
    let sql = format!(
        "SELECT count(*) FROM lifecycle.agents WHERE agent_id = '{agent}' AND cardinality(monitored_instances) = {want}"
    );
    while spotctl::sql::count(&t.db, &sql).await? != 1 {
        anyhow::ensure!(Instant::now() < deadline, "the heartbeat never reached lifecycle");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(agent)
}

/// `spotctl <args>` against the stack with `token` (no config file).
async fn cli(t: &TestStack, token: &str, args: &[&str]) -> anyhow::Result<String> {
    let conn = ["--url", &t.base, "--token", token, "--config", "/nonexistent/spotctl.toml"];
    let all: Vec<&str> = args.iter().copied().chain(conn).collect();
    Ok(spotctl(&all).await?)
}

fn field(v: &Value, name: &str) -> Vec<String> {
    items(v).iter().map(|i| i[name].as_str().unwrap_or_default().to_owned()).collect()
}

#[tokio::test]
async fn unknown_instances_are_listed_per_tenant_paged_and_for_the_admin() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let (acme, token) = t.tenant("acme").await?;
    let (other_id, other) = t.tenant("other").await?;
    let (status, empty) = t.call("GET", "/api/unknown-instances", &token, None, None).await?;
    assert_eq!((status, empty), (200, json!({"items": [], "next_cursor": null})));

    let agent = agent_monitoring(&t, &token, &["i-stray-1", "i-stray-2", "i-stray-3"]).await?;
    agent_monitoring(&t, &other, &["i-theirs"]).await?;
    let (unknown, _) = inventory::reconcile(&t.db).await?;
    assert_eq!(unknown, 4);

    // The tenant's own, in pages of two that neither repeat nor skip a row.
    let (status, first) = t.call("GET", "/api/unknown-instances?limit=2", &token, None, None).await?;
    assert_eq!(status, 200, "{first}");
    assert_eq!(items(&first).len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap_or_default().to_owned();
    assert!(!cursor.is_empty(), "{first}");
    let (_, second) =
        t.call("GET", &format!("/api/unknown-instances?limit=2&cursor={cursor}"), &token, None, None).await?;
    assert_eq!(items(&second).len(), 1);
    assert!(second["next_cursor"].is_null());
    let seen: BTreeSet<String> =
        field(&first, "instance_id").into_iter().chain(field(&second, "instance_id")).collect();
    assert_eq!(seen, ["i-stray-1", "i-stray-2", "i-stray-3"].map(String::from).into());
    let row = &items(&first)[0];
    assert_eq!(row["client_id"], acme.as_str());
    assert_eq!(row["reported_by"], agent.as_str());
    assert_eq!(row["logical_agent_id"], fixture_body("post_agents_register")?["logical_agent_id"]);
    assert!(row["first_seen"].is_string() && row["last_seen"].is_string(), "{row}");
    let group = row["group_id"].as_str().unwrap_or_default().to_owned();

    // Filtered by group; another tenant's group shows nothing of either.
    let (_, mine) =
        t.call("GET", &format!("/api/unknown-instances?group_id={group}"), &token, None, None).await?;
    assert_eq!(items(&mine).len(), 3);
    let (_, theirs) =
        t.call("GET", &format!("/api/unknown-instances?group_id={group}"), &other, None, None).await?;
    assert_eq!(items(&theirs), Vec::<Value>::new(), "another tenant's group is not theirs to read");
    let (_, own) = t.call("GET", "/api/unknown-instances", &other, None, None).await?;
    assert_eq!(field(&own, "instance_id"), ["i-theirs"]);

    // The admin: every tenant, or the one named.
    let (status, all) = t.call("GET", "/api/unknown-instances", ADMIN, None, None).await?;
    assert_eq!(status, 200, "{all}");
    let owners: BTreeSet<String> = field(&all, "client_id").into_iter().collect();
    assert_eq!(owners, [acme.clone(), other_id.clone()].into());
    assert_eq!(items(&all).len(), 4);
    let (_, named) =
        t.call("GET", &format!("/api/unknown-instances?client_id={other_id}"), ADMIN, None, None).await?;
    assert_eq!(field(&named, "instance_id"), ["i-theirs"]);

    // Reconciling again refreshes, never duplicates.
    inventory::reconcile(&t.db).await?;
    let (_, again) = t.call("GET", "/api/unknown-instances", ADMIN, None, None).await?;
    assert_eq!(items(&again).len(), 4);

    // Bad input: the field at fault; no token: 401.
    for (query, field_name) in [
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("cursor=garbage", "cursor"),
        ("group_id=not-a-uuid", "group_id"),
    ] {
        let (status, err) =
            t.call("GET", &format!("/api/unknown-instances?{query}"), &token, None, None).await?;
        assert_eq!(status, 400, "{query}: {err}");
        assert_eq!(err["error"]["code"], "invalid_field", "{query}: {err}");
        assert_eq!(err["error"]["field"], field_name, "{query}: {err}");
    }
    let (status, _) = t.call("GET", "/api/unknown-instances?client_id=nope", ADMIN, None, None).await?;
    assert_eq!(status, 400);
    let (status, _) = t.call("GET", "/api/unknown-instances", "not-a-token", None, None).await?;
    assert_eq!(status, 401);

    // spotctl.
    let listed = cli(&t, &token, &["unknown-instances"]).await?;
    assert!(listed.starts_with("INSTANCE_ID"), "{listed}");
    assert!(listed.contains("i-stray-2") && !listed.contains("i-theirs"), "{listed}");
    let json_out = cli(&t, ADMIN, &["unknown-instances", "--json", "--client", &other_id]).await?;
    let parsed: Value = serde_json::from_str(&json_out)?;
    assert_eq!(field(&parsed, "instance_id"), ["i-theirs"]);
    Ok(())
}

/// `n` usage reports of 5 minutes each, the way pricing's report consumer
/// stores them, starting at `day` 00:00 UTC.
async fn usage(
    t: &TestStack,
    client: &str,
    day: NaiveDate,
    role: &str,
    n: i64,
    price: f64,
) -> anyhow::Result<()> {
    t.db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO pricing.instance_usage (event_id, client_id, instance_id, reporter_role, mode, hourly_price,
            on_demand_price, captured_at)
         SELECT gen_random_uuid(), $1::uuid, 'i-' || $2, $2, 'spot', $3, 0.10,
                $4::date::timestamp AT TIME ZONE 'UTC' + i * interval '5 minutes'
           FROM generate_series(0, $5 - 1) AS i",
        [client.into(), role.into(), price.into(), day.into(), n.into()],
    ))
    .await?;
    Ok(())
}

fn close(v: &Value, want: f64) -> bool {
    v.as_f64().is_some_and(|x| (x - want).abs() < 1e-9)
}

#[tokio::test]
async fn replica_cost_per_day_and_savings_net_of_it() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let (acme, token) = t.tenant("acme").await?;
    let (other_id, other) = t.tenant("other").await?;
    let today = Utc::now().date_naive();
    let (d1, d2) = (today - Days::new(3), today - Days::new(2));
    // Day 1: one hour of PRIMARY usage at 0.03 (on demand 0.10), two hours of
    // replica at 0.02. Day 2: replicas only. The other tenant: day 2, replicas.
    usage(&t, &acme, d1, "PRIMARY", 12, 0.03).await?;
    usage(&t, &acme, d1, "REPLICA", 24, 0.02).await?;
    usage(&t, &acme, d2, "REPLICA", 6, 0.04).await?;
    usage(&t, &other_id, d2, "REPLICA", 12, 0.05).await?;
    let interval = Duration::from_secs(300);
    for day in [d1, d2] {
        spot_pricing::jobs::savings::run_day(&t.db, day, interval).await?;
    }

    let (status, page) = t.call("GET", "/api/analytics/replica-costs", &token, None, None).await?;
    assert_eq!(status, 200, "{page}");
    let days = items(&page);
    assert_eq!(field(&page, "day"), [d2.to_string(), d1.to_string()], "newest day first: {page}");
    let (newest, oldest) = (&days[0], &days[1]);
    assert!(days.iter().all(|d| d["client_id"] == acme.as_str()));
    // Day 1: savings 1 h x (0.10 - 0.03) = 0.07; replicas 2 h x 0.02 = 0.04.
    assert!(close(&oldest["replica_hours"], 2.0), "{oldest}");
    assert!(close(&oldest["replica_cost"], 0.04), "{oldest}");
    assert!(close(&oldest["savings"], 0.07), "{oldest}");
    assert!(close(&oldest["net_savings"], 0.03), "{oldest}");
    assert!(close(&oldest["on_demand_equivalent_cost"], 0.10), "{oldest}");
    assert!(close(&oldest["net_savings_percent"], 30.0), "{oldest}");
    // Day 2: no PRIMARY usage, so nothing saved and the replicas' cost is the loss.
    assert!(close(&newest["replica_hours"], 0.5) && close(&newest["replica_cost"], 0.02), "{newest}");
    assert!(close(&newest["savings"], 0.0) && close(&newest["net_savings"], -0.02), "{newest}");
    assert!(newest["net_savings_percent"].is_null(), "no on-demand equivalent: {newest}");

    // Paged by one; filtered by day.
    let (_, first) = t.call("GET", "/api/analytics/replica-costs?limit=1", &token, None, None).await?;
    let cursor = first["next_cursor"].as_str().unwrap_or_default().to_owned();
    let (_, second) = t
        .call("GET", &format!("/api/analytics/replica-costs?limit=1&cursor={cursor}"), &token, None, None)
        .await?;
    assert_eq!(
        field(&first, "day").into_iter().chain(field(&second, "day")).collect::<Vec<_>>(),
        [d2.to_string(), d1.to_string()]
    );
    assert!(second["next_cursor"].is_null());
    let (_, window) =
        t.call("GET", &format!("/api/analytics/replica-costs?from={d1}&to={d2}"), &token, None, None).await?;
    assert_eq!(field(&window, "day"), [d1.to_string()]);

    // Tenants see their own; the admin sees both, or the one named.
    let (_, theirs) = t.call("GET", "/api/analytics/replica-costs", &other, None, None).await?;
    assert_eq!(field(&theirs, "client_id"), [other_id.as_str()]);
    assert!(close(&items(&theirs)[0]["replica_cost"], 0.05));
    let (_, all) = t.call("GET", "/api/analytics/replica-costs", ADMIN, None, None).await?;
    assert_eq!(items(&all).len(), 3, "{all}");
    let (_, named) =
        t.call("GET", &format!("/api/analytics/replica-costs?client_id={acme}"), ADMIN, None, None).await?;
    assert_eq!(items(&named).len(), 2);

    for (query, field_name) in [("from=yesterday", "from"), ("to=2026-13-01", "to"), ("limit=9999", "limit")]
    {
        let (status, err) =
            t.call("GET", &format!("/api/analytics/replica-costs?{query}"), &token, None, None).await?;
        assert_eq!(status, 400, "{query}: {err}");
        assert_eq!(err["error"]["field"], field_name, "{query}: {err}");
    }

    let table = cli(&t, &token, &["replica-costs", "--from", &d1.to_string()]).await?;
    assert!(table.contains(&d1.to_string()) && table.contains(&d2.to_string()), "{table}");
    assert!(table.contains("NET_SAVINGS"), "{table}");
    Ok(())
}
