//! The auto-switch loop end to end: one simulated v4 agent (spot-fleet-sim,
//! the faithful v4 behaviour) runs in the dearer of two pools; its group
//! gets auto_switch on; the agent's own pricing reports are consolidated;
//! the decisions service decides SWITCH to the cheaper pool and queues a
//! priority-25 switch command whose request id is the decision id; the
//! agent runs it as v4 does (launch, switch report, executed, exit); the
//! decision records the execution and, once prices after the switch are
//! consolidated, its realised savings. Prices are flat (no volatility) and
//! the seed is chosen so the agent starts in the dearer pool.

use crate::helpers::*;
use chrono::{Duration as ChronoDuration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;
use spot_fleet_sim::agent::Behaviour;
use spot_fleet_sim::cloud::{Cloud, CloudConfig, InstanceTypeSpec};
use spot_fleet_sim::fleet::{Fleet, FleetConfig};
use spot_fleet_sim::rng::{SimRng, Stream};
use std::time::Duration;

const AZS: [&str; 2] = ["us-east-1a", "us-east-1b"];
/// Simulated seconds per real second: pricing reports every 10 s, command polls every 0.5 s.
const SPEED: f64 = 30.0;

fn cloud(seed: u64) -> CloudConfig {
    CloudConfig {
        seed,
        region: "us-east-1".into(),
        azs: AZS.iter().map(|a| (*a).to_owned()).collect(),
        instance_types: vec![InstanceTypeSpec::new("m5.large", 0.096)],
        volatility: 0.0,
        spike_chance_per_tick: 0.0,
        spot_discount: (0.2, 0.8),
        interruption_rate_per_hour: (0.0, 0.0),
        mass_events_per_day: 0.0,
        boot_time: (Duration::from_secs(10), Duration::from_secs(20)),
        ..CloudConfig::default()
    }
}

/// A seed whose only agent starts in the pool at least 40 % dearer than the
/// other: (seed, the agent's AZ, the cheaper AZ).
fn pick_seed() -> anyhow::Result<(u64, &'static str, &'static str)> {
    for seed in 1..1_000u64 {
        let c = Cloud::new(cloud(seed))?;
        let price = |az: &str| {
            c.pools().iter().find(|p| p.id.to_string().ends_with(az)).map(|p| p.price()).unwrap_or(0.0)
        };
        // The fleet's placement of agent 0 (population stream, index 0).
        let mut rng = SimRng::stream(seed, Stream::Population, 0);
        let _ty = rng.below(1);
        let own = AZS[rng.below(2) as usize];
        let other = AZS.iter().copied().find(|a| *a != own).unwrap_or(AZS[0]);
        if price(own) > 1.4 * price(other) {
            return Ok((seed, own, other));
        }
    }
    anyhow::bail!("no seed puts the agent in the dearer pool")
}

async fn text(t: &TestStack, sql: &str) -> anyhow::Result<String> {
    let row = t.db.query_one_raw(Statement::from_string(DbBackend::Postgres, sql)).await?;
    Ok(row.and_then(|r| r.try_get_by_index::<Option<String>>(0).ok().flatten()).unwrap_or_default())
}

async fn consolidate(t: &TestStack) -> anyhow::Result<()> {
    // Simulated agents stamp prices in simulated time, ahead of the clock.
    let body = json!({
        "window_start": (Utc::now() - ChronoDuration::hours(1)).to_rfc3339(),
        "window_end": (Utc::now() + ChronoDuration::hours(12)).to_rfc3339(),
    });
    let resp =
        t.http.post(t.url("/api/admin/pricing/consolidate")).bearer_auth(ADMIN).json(&body).send().await?;
    anyhow::ensure!(resp.status().is_success(), "consolidate: {} {}", resp.status(), resp.text().await?);
    Ok(())
}

#[tokio::test]
async fn auto_switch_moves_a_v4_group_to_the_cheaper_pool_and_realises_savings() -> anyhow::Result<()> {
    let (seed, own_az, cheap_az) = pick_seed()?;
    let t = TestStack::start().await?;
    let fleet = Fleet::start(FleetConfig {
        agents: 1,
        tenants: 1,
        seed,
        speed: SPEED,
        jitter: Duration::from_millis(200),
        base_url: t.base.clone(),
        admin_token: Some(ADMIN.to_owned()),
        tenant_name_prefix: "decisions-e2e".into(),
        typed_share: 0.0,
        on_demand_share: 0.0,
        ramp_up: Duration::from_secs(1),
        behaviour: Behaviour { snapshot_on_switch: 0.0, ..Behaviour::default() },
        cloud: cloud(seed),
        ..FleetConfig::default()
    })
    .await?;
    let token = fleet.tenants().first().map(|x| x.token.clone()).unwrap_or_default();

    let primaries = "SELECT count(*) FROM lifecycle.instances WHERE role = 'PRIMARY'";
    t.count_when("the agent registered as PRIMARY", Duration::from_secs(40), primaries, |n| n == 1).await?;
    let agent = text(&t, "SELECT agent_id::text FROM lifecycle.agents LIMIT 1").await?;
    assert_eq!(text(&t, "SELECT az FROM lifecycle.agents LIMIT 1").await?, own_az);

    // The operator turns auto-switch on (no minimum stay, for the test's pace).
    let resp = t
        .http
        .patch(t.url(&format!("/api/agents/{agent}/settings")))
        .bearer_auth(&token)
        .json(&json!({"auto_switch": true, "min_pool_duration_hours": 0}))
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 200);
    let settings: serde_json::Value = resp.json().await?;
    assert_eq!(settings["availability_target_percent"], json!(99.9));

    eventually(
        "both pools priced by the agent's reports",
        Duration::from_secs(60),
        || async {
            let seen =
                t.count("SELECT count(*) FROM decisions.pools WHERE on_demand_price IS NOT NULL").await?;
            let staged = t.count("SELECT count(DISTINCT pool_id) FROM pricing.spot_price_snapshots").await?;
            Ok((seen == 2 && staged == 2, format!("decisions pools {seen}, staged pools {staged}")))
        },
        |(done, _)| *done,
    )
    .await?;
    consolidate(&t).await?;

    let cheap_pool = format!("m5.large.{cheap_az}");
    eventually("the switch ran on the agent", Duration::from_secs(90), || async {
        let state = text(
            &t,
            "SELECT coalesce(string_agg(action || ':' || coalesce(target_pool_id, '-') || ':' ||
                    coalesce(command_status, 'none') || ':' || blocked, ', '), 'no decision') FROM decisions.decisions",
        )
        .await?;
        let done = t.count(&format!(
                "SELECT count(*) FROM decisions.decisions WHERE action = 'SWITCH' AND command_status = 'succeeded'
                 AND target_pool_id = '{cheap_pool}'"
            ))
        .await?;
        Ok((done == 1, state))
    }, |(done, _)| *done)
    .await?;
    // The command v4 ran: priority 25, request id = the decision id, target pool as decided.
    let linked = t.count("SELECT count(*) FROM lifecycle.commands c JOIN decisions.decisions d ON c.request_id = d.id::text
         WHERE c.priority = 25 AND c.status = 'succeeded' AND c.target_pool_id = d.target_pool_id
           AND c.target_mode = 'spot' AND d.command_id = c.id")
    .await?;
    assert_eq!(linked, 1);
    eventually(
        "the new PRIMARY runs in the cheaper pool",
        Duration::from_secs(60),
        || async {
            let az = text(
                &t,
                "SELECT a.az FROM lifecycle.instances i JOIN lifecycle.agents a
               ON a.group_id = i.group_id AND a.instance_id = i.instance_id WHERE i.role = 'PRIMARY'",
            )
            .await?;
            Ok((az == cheap_az, format!("PRIMARY in {az:?}")))
        },
        |(done, _)| *done,
    )
    .await?;

    // Prices after the switch arrive with the new agent's reports.
    eventually(
        "realised savings filled in",
        Duration::from_secs(120),
        || async {
            consolidate(&t).await?;
            tokio::time::sleep(Duration::from_secs(2)).await;
            let saved = text(
                &t,
                "SELECT realised_savings::text FROM decisions.decisions WHERE command_status = 'succeeded'",
            )
            .await?;
            Ok((saved.parse::<f64>().is_ok_and(|s| s > 0.0), format!("realised {saved:?}")))
        },
        |(done, _)| *done,
    )
    .await?;
    let published = "SELECT count(DISTINCT event_type) FROM decisions.outbox WHERE published_at IS NOT NULL
             AND event_type IN ('spot.v1.DecisionMade', 'spot.v1.DecisionExecuted')";
    t.count_when("decision events published", Duration::from_secs(20), published, |n| n == 2).await?;
    // The operator API shows the decision with its outcome.
    let group = text(&t, "SELECT group_id::text FROM decisions.decisions LIMIT 1").await?;
    let (status, _, page) = t.send("GET", &format!("/api/decisions?group_id={group}"), &token, None).await?;
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().cloned().unwrap_or_default();
    let first = items
        .iter()
        .find(|d| d["command_status"] == json!("succeeded"))
        .ok_or_else(|| anyhow::anyhow!("no executed decision in {page}"))?;
    assert_eq!((first["action"].as_str(), first["arm"].as_str()), (Some("SWITCH"), Some("a")));
    assert!(first["realised_savings"].as_f64().is_some_and(|s| s > 0.0), "{first}");
    let (status, _, summary) = t.send("GET", "/api/decisions/summary", &token, None).await?;
    assert_eq!(status, 200);
    assert_eq!(summary["items"][0]["executed"], json!(1), "{summary}");
    fleet.shutdown(true).await?;
    Ok(())
}

async fn upload(t: &TestStack, query: &str, body: &[u8]) -> anyhow::Result<(u16, serde_json::Value)> {
    let resp = t
        .http
        .post(t.url(&format!("/api/admin/models/onnx?{query}")))
        .bearer_auth(ADMIN)
        .header("Content-Type", "application/octet-stream")
        .body(body.to_vec())
        .send()
        .await?;
    Ok((resp.status().as_u16(), resp.json().await?))
}

#[tokio::test]
async fn the_model_registry_api_refuses_bad_uploads_with_stable_codes() -> anyhow::Result<()> {
    const MODEL: &[u8] = include_bytes!("../../../../services/decisions/models/risk_linear.onnx");
    const WRONG: &[u8] = include_bytes!("../../../../services/decisions/models/wrong_shape.onnx");
    let t = TestStack::start().await?;
    let (s, b) = upload(&t, "name=linear&version=1", b"this is not a model").await?;
    assert_eq!((s, b["error"]["code"].as_str()), (400, Some("not_onnx")), "{b}");
    let (s, b) = upload(&t, "name=linear&version=1", WRONG).await?;
    assert_eq!((s, b["error"]["code"].as_str()), (400, Some("onnx_shape")), "{b}");
    // Uploads are not held to the 1 MiB of agent reports, only to the registry's 16 MiB.
    let (s, b) = upload(&t, "name=linear&version=1", &vec![7u8; 3 << 20]).await?;
    assert_eq!((s, b["error"]["code"].as_str()), (400, Some("not_onnx")), "{b}");
    let (s, b) = upload(&t, "name=linear&version=1", &vec![7u8; 17 << 20]).await?;
    assert_eq!((s, b["error"]["code"].as_str()), (413, Some("payload_too_large")), "{b}");
    assert_eq!(t.count("SELECT count(*) FROM decisions.models").await?, 1, "refusals store nothing");
    let (s, created) = upload(&t, "name=linear&version=1&confidence_threshold=0.6", MODEL).await?;
    assert_eq!(s, 201, "{created}");
    let (s, b) = upload(&t, "name=linear&version=1", MODEL).await?;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("duplicate_version")), "{b}");
    let (s, _, b) = t
        .send("POST", "/api/admin/models", ADMIN, Some(r#"{"name": "x", "version": "1", "kind": "quantum"}"#))
        .await?;
    assert_eq!((s, b["error"]["code"].as_str()), (400, Some("invalid_field")), "{b}");
    let (s, _, b) = t.send("POST", "/api/admin/models", ADMIN, Some("{not json")).await?;
    assert_eq!((s, b["error"]["code"].as_str()), (400, Some("malformed_json")), "{b}");
    let body = r#"{"name": "remote", "version": "1", "kind": "external", "endpoint": "http://127.0.0.1:9"}"#;
    let (s, _, remote) = t.send("POST", "/api/admin/models", ADMIN, Some(body)).await?;
    assert_eq!(s, 201, "{remote}");
    // A/B: the ONNX version becomes arm B with 30 % of the groups; a third active version is refused.
    let id = created["id"].as_str().unwrap_or_default();
    let resp = t
        .http
        .post(t.url(&format!("/api/admin/models/{id}/activate")))
        .bearer_auth(ADMIN)
        .json(&json!({"ab_share_bp": 3000}))
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 200);
    let active: serde_json::Value = resp.json().await?;
    assert_eq!((active["arm"].as_str(), active["ab_share_bp"].as_i64()), (Some("b"), Some(3000)));
    let remote_id = remote["id"].as_str().unwrap_or_default();
    let (s, _, b) = t.send("POST", &format!("/api/admin/models/{remote_id}/activate"), ADMIN, None).await?;
    assert_eq!((s, b["error"]["code"].as_str()), (409, Some("two_models_active")), "{b}");
    let (s, _, listed) = t.send("GET", "/api/admin/models", ADMIN, None).await?;
    assert_eq!(s, 200);
    let n_active =
        listed["items"].as_array().map_or(0, |a| a.iter().filter(|m| m["active"] == json!(true)).count());
    assert_eq!(n_active, 2);
    let (s, _, _) = t.send("GET", "/api/admin/models", "not-the-admin", None).await?;
    assert_eq!(s, 401);
    Ok(())
}
