//! A 200-agent simulated fleet (spot-fleet-sim, v4 agents, 20x speed)
//! against the whole stack: manual switches issued through the operator API
//! run end to end (command -> simulated launch -> switch report -> roles
//! swapped), agents that go silent are taken OFFLINE by the heartbeat
//! timeout, agents reinstalled on the same instances get new agent ids, and
//! a graceful stop takes everyone offline at once. Every check polls the
//! database with generous deadlines; nothing asserts on timing.

use crate::helpers::*;
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value as DbValue};
use serde_json::{Value, json};
use spot_fleet_sim::agent::Behaviour;
use spot_fleet_sim::cloud::CloudConfig;
use spot_fleet_sim::fleet::{Fleet, FleetConfig};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

const AGENTS: usize = 200;
const SEED: u64 = 4242;
const SWITCHES: usize = 10;
/// Simulated seconds per real second: heartbeats every 1.5 s, command polls every 0.75 s.
const SPEED: f64 = 20.0;
/// Silence (real time) before the stack takes an agent OFFLINE: four heartbeat periods.
const HEARTBEAT_TIMEOUT: Duration = Duration::from_secs(6);
const AZS: [&str; 6] = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"];

/// The test stack with a short heartbeat timeout (the offline sweep runs every second).
async fn start_stack() -> anyhow::Result<TestStack> {
    TestStack::start_with(|settings| {
        settings.source.set("AGENT_HEARTBEAT_TIMEOUT", HEARTBEAT_TIMEOUT.as_secs().to_string())
    })
    .await
}

/// A fleet of v4 agents: no interruptions (the switches are the operator's),
/// fast boots and agent starts so the scenario fits in seconds.
fn fleet_config(base: &str, tenant_tokens: Vec<String>) -> FleetConfig {
    FleetConfig {
        agents: AGENTS,
        tenants: 2,
        seed: SEED,
        speed: SPEED,
        jitter: Duration::from_secs(1),
        base_url: base.to_owned(),
        admin_token: Some(ADMIN.to_owned()),
        tenant_tokens,
        tenant_name_prefix: "fleet-test".to_owned(),
        typed_share: 0.0,
        on_demand_share: 0.1,
        ramp_up: Duration::from_secs(20),
        max_in_flight: 32,
        connections: 16,
        request_timeout: Duration::from_secs(20),
        behaviour: Behaviour {
            snapshot_on_switch: 0.0,
            agent_start_delay: (Duration::from_secs(2), Duration::from_secs(6)),
            restart_after_failure: Some(Duration::from_secs(10)),
            ..Behaviour::default()
        },
        cloud: CloudConfig {
            interruption_rate_per_hour: (0.0, 0.0),
            mass_events_per_day: 0.0,
            boot_time: (Duration::from_secs(10), Duration::from_secs(30)),
            ..CloudConfig::default()
        },
    }
}

async fn query(t: &TestStack, sql: &str, values: Vec<DbValue>) -> anyhow::Result<Vec<QueryResult>> {
    Ok(t.db.query_all_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, values)).await?)
}

fn uuids(ids: &[String]) -> DbValue {
    ids.iter().filter_map(|id| uuid::Uuid::parse_str(id).ok()).collect::<Vec<_>>().into()
}

/// Protocol errors (4xx) must never happen; a 503 under load is the stack
/// shedding work, which a loaded test machine may legitimately see.
fn assert_no_client_errors(snapshot: &spot_fleet_sim::fleet::FleetSnapshot) {
    for e in &snapshot.stats.endpoints {
        let bad: Vec<_> = e.errors_by_kind.iter().filter(|(k, _)| k.starts_with('4')).collect();
        assert!(bad.is_empty(), "{} answered {bad:?}", e.endpoint);
    }
}

/// A progress row as text, for failure messages.
fn describe(row: &QueryResult) -> String {
    let text = |c: &str| row.try_get::<Option<String>>("", c).ok().flatten().unwrap_or_else(|| "-".into());
    let n = |c: &str| row.try_get::<i64>("", c).unwrap_or(-1);
    format!(
        "{} old {} new {} primaries {} new agents {}",
        text("status"),
        text("old_role"),
        text("new_role"),
        n("primaries"),
        n("new_agents")
    )
}

/// Issues one manual switch through the operator API; returns (status, headers, command).
async fn issue_switch(
    t: &TestStack,
    token: &str,
    agent: &str,
    request_id: &str,
    order: &Value,
) -> anyhow::Result<(u16, reqwest::header::HeaderMap, Value)> {
    let resp = t
        .http
        .post(t.url(&format!("/api/agents/{agent}/issue-switch-command")))
        .bearer_auth(token)
        .header("X-Request-ID", request_id)
        .json(order)
        .send()
        .await?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    Ok((status, headers, resp.json().await?))
}

#[tokio::test]
async fn a_simulated_fleet_switches_goes_offline_and_reinstalls() -> anyhow::Result<()> {
    let t = start_stack().await?;

    // 1. 200 v4 agents register (tenants created through the admin API).
    let fleet = Fleet::start(fleet_config(&t.base, Vec::new())).await?;
    let tokens: Vec<String> = fleet.tenants().iter().map(|x| x.token.clone()).collect();
    let token_of: HashMap<String, String> =
        fleet.tenants().iter().map(|x| (x.id.clone(), x.token.clone())).collect();
    eventually(
        "every agent registered",
        Duration::from_secs(40),
        || async {
            let n = t.count("SELECT count(*) FROM lifecycle.agents").await?;
            Ok((
                n >= AGENTS as i64,
                format!("{n} agents, fleet registered {}", fleet.snapshot().stats.registrations),
            ))
        },
        |(done, _)| *done,
    )
    .await?;
    assert_eq!(t.count("SELECT count(*) FROM lifecycle.groups").await?, AGENTS as i64);
    assert_eq!(
        t.count("SELECT count(*) FROM lifecycle.instances WHERE role = 'PRIMARY'").await?,
        AGENTS as i64,
        "every first instance is its group's PRIMARY"
    );
    let with_heartbeats = "SELECT count(*) FROM lifecycle.agents WHERE heartbeat_count > 0";
    t.count_when("heartbeats reach lifecycle", Duration::from_secs(30), with_heartbeats, |n| {
        n == AGENTS as i64
    })
    .await?;

    // 2. An operator switches ten PRIMARYs: half to on-demand, half to a spot pool in another AZ.
    let targets = query(
        &t,
        "SELECT a.agent_id::text AS agent_id, a.client_id::text AS client_id, a.instance_id, a.instance_type, a.az
         FROM lifecycle.agents a
         JOIN lifecycle.instances i ON i.group_id = a.group_id AND i.instance_id = a.instance_id
         WHERE i.role = 'PRIMARY' AND a.enabled ORDER BY a.instance_id LIMIT $1",
        vec![(SWITCHES as i64).into()],
    )
    .await?;
    assert_eq!(targets.len(), SWITCHES);
    let mut commands = Vec::new();
    let mut old_instances = HashSet::new();
    let mut old_agents = Vec::new();
    for (k, row) in targets.iter().enumerate() {
        let agent: String = row.try_get("", "agent_id")?;
        let client: String = row.try_get("", "client_id")?;
        let (ty, az): (String, String) = (row.try_get("", "instance_type")?, row.try_get("", "az")?);
        let token = token_of.get(&client).ok_or_else(|| anyhow::anyhow!("no token for {client}"))?;
        let other_az = AZS.iter().find(|a| **a != az).copied().unwrap_or("us-east-1b");
        let order = if k % 2 == 0 {
            json!({"target_mode": "ondemand"})
        } else {
            json!({"target_mode": "spot", "target_pool_id": format!("{ty}.{other_az}")})
        };
        let request_id = format!("fleet-test-switch-{k}");
        let (status, _, command) = issue_switch(&t, token, &agent, &request_id, &order).await?;
        assert_eq!(status, 201, "{command}");
        if k == 0 {
            // A retry with the same request id answers the same command and queues nothing.
            let (status, headers, again) = issue_switch(&t, token, &agent, &request_id, &order).await?;
            assert_eq!((status, &again["id"]), (201, &command["id"]));
            assert_eq!(headers.get("Idempotent-Replayed").and_then(|v| v.to_str().ok()), Some("true"));
        }
        commands.push(command["id"].as_str().unwrap_or_default().to_owned());
        old_instances.insert(row.try_get::<String>("", "instance_id")?);
        old_agents.push(agent);
    }
    assert_eq!(t.count("SELECT count(*) FROM lifecycle.commands").await?, SWITCHES as i64);

    // The agents poll, launch, wait for the boot, report the switch, mark the
    // command executed. The new instance's agent registers (maybe before the
    // report, then as a passive REPLICA), learns from its config poll that it
    // is the PRIMARY, and heartbeats `online` rather than `disabled`.
    let progress_sql =
        "SELECT c.id::text AS id, c.status, c.target_mode, s.new_mode, s.trigger, s.old_instance_id,
            (SELECT i.role FROM lifecycle.instances i
              WHERE i.group_id = c.group_id AND i.instance_id = s.old_instance_id) AS old_role,
            (SELECT i.role FROM lifecycle.instances i
              WHERE i.group_id = c.group_id AND i.instance_id = s.new_instance_id) AS new_role,
            (SELECT count(*) FROM lifecycle.instances i
              WHERE i.group_id = c.group_id AND i.role = 'PRIMARY') AS primaries,
            (SELECT count(*) FROM lifecycle.agents a
              WHERE a.group_id = c.group_id AND a.instance_id = s.new_instance_id
                AND a.reported_status = 'online') AS new_agents
        FROM lifecycle.commands c LEFT JOIN lifecycle.switches s ON s.command_id = c.id
        WHERE c.id = ANY($1::uuid[])";
    eventually(
        "every switch executed end to end",
        Duration::from_secs(60),
        || async {
            let rows = query(&t, progress_sql, vec![uuids(&commands)]).await?;
            let done = rows
                .iter()
                .filter(|r| {
                    r.try_get::<String>("", "status").is_ok_and(|s| s == "succeeded")
                        && r.try_get::<Option<String>>("", "new_role")
                            .is_ok_and(|s| s.as_deref() == Some("PRIMARY"))
                        && r.try_get::<i64>("", "new_agents").is_ok_and(|n| n >= 1)
                })
                .count();
            let states: Vec<String> = rows.iter().map(describe).collect();
            Ok((done == SWITCHES, format!("{done}/{SWITCHES} done: {states:?}")))
        },
        |(done, _)| *done,
    )
    .await?;
    for row in query(&t, progress_sql, vec![uuids(&commands)]).await? {
        let id: String = row.try_get("", "id")?;
        let old_role: Option<String> = row.try_get("", "old_role")?;
        assert!(
            matches!(old_role.as_deref(), Some("ZOMBIE" | "TERMINATED")),
            "command {id}: old instance is {old_role:?}"
        );
        assert_eq!(row.try_get::<i64>("", "primaries")?, 1, "command {id}: exactly one PRIMARY");
        assert_eq!(row.try_get::<Option<String>>("", "trigger")?.as_deref(), Some("manual"));
        assert_eq!(row.try_get::<Option<String>>("", "new_mode")?, row.try_get("", "target_mode")?);
        assert!(old_instances.contains(&row.try_get::<String>("", "old_instance_id")?));
    }
    assert!(fleet.snapshot().stats.switches_completed >= SWITCHES as u64);
    // v4 exits after a successful switch with auto-terminate: its shutdown heartbeat.
    eventually("switched-away agents offline", Duration::from_secs(20), || async {
        let n = t.count_with("SELECT count(*) FROM lifecycle.agents WHERE agent_id = ANY($1::uuid[]) AND status = 'offline'", vec![uuids(&old_agents)])
        .await?;
        Ok((n == SWITCHES as i64, format!("{n} offline")))
    }, |(done, _)| *done)
    .await?;

    // 3. The whole fleet goes silent (no shutdown heartbeats): the timeout takes it OFFLINE.
    let silent: Vec<String> = query(
        &t,
        "SELECT agent_id::text AS a FROM lifecycle.agents WHERE reported_status IS DISTINCT FROM 'offline'",
        vec![],
    )
    .await?
    .iter()
    .map(|r| r.try_get::<String>("", "a"))
    .collect::<Result<_, _>>()?;
    assert_eq!(silent.len(), AGENTS, "200 agents running (10 of them on new instances)");
    let first = fleet.shutdown(false).await?;
    assert_eq!(first.stats.registration_failures, 0, "{:?}", first.stats);
    assert_no_client_errors(&first);
    eventually("silent agents OFFLINE", HEARTBEAT_TIMEOUT + Duration::from_secs(30), || async {
        let n = t.count_with("SELECT count(*) FROM lifecycle.agents WHERE agent_id = ANY($1::uuid[]) AND status = 'offline'", vec![uuids(&silent)])
        .await?;
        Ok((n == silent.len() as i64, format!("{n}/{} offline", silent.len())))
    }, |(done, _)| *done)
    .await?;
    assert_eq!(
        t.count_with("SELECT count(*) FROM lifecycle.agents WHERE agent_id = ANY($1::uuid[]) AND reported_status = 'offline'", vec![uuids(&silent)])
        .await?,
        0,
        "they went OFFLINE by the timeout, not by a shutdown heartbeat"
    );

    // 4. The agents are reinstalled on the same instances (same seed, same
    // tenants): every registration mints a new agent id in the same group.
    let fleet = Fleet::start(fleet_config(&t.base, tokens)).await?;
    eventually(
        "reinstalled agents online",
        Duration::from_secs(40),
        || async {
            let n = t
                .count_with(
                    "SELECT count(*) FROM lifecycle.agents WHERE NOT (agent_id = ANY($1::uuid[]))
               AND NOT (agent_id = ANY($2::uuid[])) AND status = 'online' AND heartbeat_count > 0",
                    vec![uuids(&silent), uuids(&old_agents)],
                )
                .await?;
            Ok((
                n == AGENTS as i64,
                format!(
                    "{n} new agents heartbeating; fleet registered {}",
                    fleet.snapshot().stats.registrations
                ),
            ))
        },
        |(done, _)| *done,
    )
    .await?;
    assert_eq!(t.count("SELECT count(*) FROM lifecycle.groups").await?, AGENTS as i64);
    // On the 190 instances nobody switched away from: an old (offline) and a new (online, enabled) agent.
    let reinstalled = t.count_with("SELECT count(*) FROM (
           SELECT a.instance_id FROM lifecycle.agents a
           JOIN lifecycle.instances i ON i.group_id = a.group_id AND i.instance_id = a.instance_id
           WHERE i.role = 'PRIMARY' AND NOT (a.instance_id = ANY($1::text[]))
           GROUP BY a.instance_id
           HAVING count(*) = 2 AND count(DISTINCT a.agent_id) = 2
              AND count(*) FILTER (WHERE a.agent_id = ANY($2::uuid[]) AND a.status = 'offline') = 1
              AND count(*) FILTER (WHERE NOT (a.agent_id = ANY($2::uuid[])) AND a.status = 'online' AND a.enabled) = 1
         ) x", vec![old_instances.iter().cloned().collect::<Vec<_>>().into(), uuids(&silent)])
    .await?;
    assert_eq!(reinstalled, (AGENTS - SWITCHES) as i64);
    // On the ten instances switched away from, the reinstalled agent stays passive.
    assert_eq!(
        t.count_with(
            "SELECT count(*) FROM lifecycle.agents WHERE instance_id = ANY($1::text[])
               AND NOT (agent_id = ANY($2::uuid[])) AND NOT enabled",
            vec![old_instances.iter().cloned().collect::<Vec<_>>().into(), uuids(&old_agents)]
        )
        .await?,
        SWITCHES as i64
    );
    assert_eq!(
        t.count("SELECT count(*) FROM (SELECT group_id FROM lifecycle.instances WHERE role = 'PRIMARY' GROUP BY group_id HAVING count(*) <> 1) x").await?,
        0,
        "exactly one PRIMARY per group"
    );

    // 5. A graceful stop: every agent sends its shutdown heartbeat and is OFFLINE at once.
    let last = fleet.shutdown(true).await?;
    assert_no_client_errors(&last);
    let online = "SELECT count(*) FROM lifecycle.agents WHERE status = 'online'";
    t.count_when("every agent offline", Duration::from_secs(20), online, |n| n == 0).await?;
    Ok(())
}
