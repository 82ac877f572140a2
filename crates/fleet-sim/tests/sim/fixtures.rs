//! The simulated v4 agent sends exactly what the real one sent: for every
//! captured request in `tests/fixtures/agent-v4/`, the call the simulated
//! agent makes in the same situation has the same method, path, key set,
//! JSON value types and timestamp spellings.

use crate::harness::{AGENT_ID, Harness, TOKEN, agent_on, at, calm, default_answer};
use serde_json::{Value, json};
use spot_fleet_sim::SimTime;
use spot_fleet_sim::agent::{Answer, Behaviour, Call, Endpoint, Flavour, Method, v4, wire_time};
use spot_fleet_sim::cloud::{Cloud, CloudConfig, Market, MassEventSpec};
use spot_fleet_sim::fleet::http;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/agent-v4")
}

fn fixtures() -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(fixture_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            out.insert(name, serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap());
        }
    }
    out
}

/// How a string reads: one of the protocol's timestamp spellings, or text.
fn spelling(s: &str) -> &'static str {
    use chrono::NaiveDateTime as N;
    let micros = |x: &str| N::parse_from_str(x, "%Y-%m-%dT%H:%M:%S%.6f").is_ok() && x.len() == 26;
    let whole = |x: &str| N::parse_from_str(x, "%Y-%m-%dT%H:%M:%S").is_ok();
    match s.strip_suffix('Z') {
        Some(inner) if micros(inner) => "utc-micros-Z",
        Some(inner) if whole(inner) => "utc-seconds-Z",
        _ if micros(s) => "naive-micros",
        _ if whole(s) => "naive-seconds",
        _ => "text",
    }
}

/// Collects every difference in keys, JSON types and timestamp spellings.
fn diff(path: &str, ours: &Value, theirs: &Value, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for k in a.keys().filter(|k| !b.contains_key(*k)) {
                out.push(format!("{path}.{k}: extra key"));
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("{path}.{k}: missing key"));
            }
            for (k, v) in a {
                if let Some(w) = b.get(k) {
                    diff(&format!("{path}.{k}"), v, w, out);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            if a.is_empty() != b.is_empty() {
                out.push(format!("{path}: one list is empty, the other is not"));
            }
            if let Some(first) = b.first() {
                for (i, v) in a.iter().enumerate() {
                    diff(&format!("{path}[{i}]"), v, first, out);
                }
            }
        }
        (Value::String(a), Value::String(b)) if spelling(a) != spelling(b) => {
            out.push(format!("{path}: {a:?} is {} but the capture has {b:?} ({})", spelling(a), spelling(b)));
        }
        (Value::Null, Value::Null)
        | (Value::Bool(_), Value::Bool(_))
        | (Value::Number(_), Value::Number(_))
        | (Value::String(_), Value::String(_)) => {}
        (a, b) => out.push(format!("{path}: {a} has another JSON type than {b}")),
    }
}

/// Checks method, path template, headers and body shape of `call` against a capture.
fn assert_matches(name: &str, call: &Call, fixture: &Value) {
    assert_eq!(call.method.as_str(), fixture["method"], "{name}: method");
    let template = call.path.replace(AGENT_ID, "{agent_id}").replace("cmd-1", "{command_id}");
    assert_eq!(template, fixture["path"].as_str().unwrap(), "{name}: path");
    let mut problems = Vec::new();
    diff("body", call.body.as_ref().unwrap_or(&Value::Null), &fixture["body"], &mut problems);
    assert!(problems.is_empty(), "{name}: {problems:#?}\nours: {:#}", call.body.clone().unwrap_or_default());

    let client = reqwest::Client::new();
    let base = http::base_url("http://gw.test/prefix/").unwrap();
    let req = http::request(&client, &base, TOKEN, call).build().unwrap();
    assert_eq!(req.url().path(), call.path, "{name}: the agent drops any prefix of its server URL");
    for (header, value) in fixture["headers"].as_object().unwrap() {
        let expected = value.as_str().unwrap().replace("<redacted>", TOKEN);
        assert_eq!(req.headers().get(header.as_str()).unwrap(), expected.as_str(), "{name}: header {header}");
    }
    assert_eq!(req.body().is_some(), call.method == Method::Post, "{name}: body presence");
}

/// A server that sends one manual switch command after 100 s.
fn switch_server() -> impl FnMut(&Call, SimTime) -> Answer {
    let mut sent = false;
    move |call, now| match call.endpoint {
        Endpoint::PendingCommands if !sent && now >= at(100.0) => {
            sent = true;
            Answer::ok(json!([{"id": "cmd-1", "command_type": "SWITCH", "target_mode": "spot",
                "target_pool_id": "t3.medium.us-east-1b", "priority": 75, "request_id": "req-1"}]))
        }
        _ => default_answer(call),
    }
}

fn switch_run(snapshot: f64) -> Harness {
    let behaviour = Behaviour { snapshot_on_switch: snapshot, ..Behaviour::default() };
    let mut h = Harness::on(calm(), Flavour::V4, behaviour, ("t3.medium", "us-east-1a"), Market::Spot);
    h.run_until(at(1000.0), &mut switch_server());
    h
}

fn interruption_run() -> Harness {
    let cfg = CloudConfig {
        rebalance_probability: 1.0,
        mass_events: vec![MassEventSpec { az: "us-east-1a".into(), at: Duration::from_secs(900) }],
        // The pool keeps capacity, as in the capture (a lone reclaim).
        capacity_outage: Duration::ZERO,
        ..calm()
    };
    let behaviour = Behaviour { cleanup: Duration::from_secs(300), ..Behaviour::default() };
    let mut h = Harness::on(cfg, Flavour::V4, behaviour, ("t3.medium", "us-east-1a"), Market::Spot);
    let mut answered = false;
    h.run_until(at(1200.0), &mut |call, _| match call.endpoint {
        Endpoint::TerminationImminent => {
            let first = !answered;
            answered = true;
            Answer::ok(json!({"create_emergency_replica": first, "target_pool_id": "t3.medium.us-east-1b"}))
        }
        _ => default_answer(call),
    });
    h
}

fn is_status(call: &Call, status: &str) -> bool {
    call.body.as_ref().is_some_and(|b| b["status"] == status)
}

#[test]
fn every_capture_is_reproduced_by_the_simulated_agent() {
    let switch = switch_run(0.0);
    let imaged = switch_run(1.0);
    let interrupted = interruption_run();
    let pick = |h: &Harness, endpoint: Endpoint, pred: &dyn Fn(&Call) -> bool| -> Call {
        h.calls
            .iter()
            .map(|(_, c)| c)
            .find(|c| c.endpoint == endpoint && pred(c))
            .unwrap_or_else(|| panic!("no {endpoint:?} call in the scenario"))
            .clone()
    };
    let any = |_: &Call| true;
    let mut checked = 0;
    for (name, fixture) in fixtures() {
        let call = match name.as_str() {
            "get_config" => pick(&switch, Endpoint::Config, &any),
            "get_pending-commands" => pick(&switch, Endpoint::PendingCommands, &any),
            "post_agents_register" => pick(&switch, Endpoint::Register, &any),
            "post_cleanup-report" => pick(&interrupted, Endpoint::CleanupReport, &any),
            "post_commands_command_id_executed" => pick(&switch, Endpoint::CommandExecuted, &any),
            "post_heartbeat" => pick(&switch, Endpoint::Heartbeat, &|c| is_status(c, "online")),
            "post_heartbeat_shutdown" => pick(&switch, Endpoint::Heartbeat, &|c| is_status(c, "offline")),
            "post_pricing-report" => pick(&switch, Endpoint::PricingReport, &any),
            "post_rebalance-recommendation" => pick(&interrupted, Endpoint::RebalanceRecommendation, &any),
            "post_replicas" => pick(&interrupted, Endpoint::ReplicaCreate, &any),
            "post_switch-report" => pick(&switch, Endpoint::SwitchReport, &any),
            "post_switch-report_with-ami" => pick(&imaged, Endpoint::SwitchReport, &any),
            "post_termination-imminent" => pick(&interrupted, Endpoint::TerminationImminent, &any),
            other => panic!("fixture {other} has no scenario: add one"),
        };
        assert_matches(&name, &call, &fixture);
        checked += 1;
    }
    assert_eq!(checked, 13, "every capture checked");
}

#[test]
fn builders_match_the_captures_directly() {
    let f = fixtures();
    let facts = {
        let mut cloud = Cloud::new(calm()).unwrap();
        let a = agent_on(
            &mut cloud,
            Flavour::V4,
            Behaviour::default(),
            ("t3.medium", "us-east-1a"),
            Market::Spot,
        );
        a.instance().clone()
    };
    let now = crate::harness::epoch();
    let cases = [
        ("post_agents_register", v4::register(TOKEN, &facts, &facts.instance_id)),
        ("post_heartbeat", v4::heartbeat(AGENT_ID, &facts, true)),
        ("post_heartbeat_shutdown", v4::heartbeat_shutdown(AGENT_ID)),
        ("get_config", v4::config(AGENT_ID)),
        ("get_pending-commands", v4::pending_commands(AGENT_ID)),
        ("post_commands_command_id_executed", v4::executed(AGENT_ID, "cmd-1", true, "Switch completed")),
        (
            "post_termination-imminent",
            v4::termination_imminent(
                AGENT_ID,
                &facts.instance_id,
                &wire_time::imds(now),
                &wire_time::naive(now),
            ),
        ),
        (
            "post_rebalance-recommendation",
            v4::rebalance_recommendation(AGENT_ID, &facts.instance_id, &wire_time::naive(now)),
        ),
    ];
    for (name, call) in cases {
        assert_matches(name, &call, &f[name]);
    }
    // The register body repeats the bearer token, as the capture notes.
    assert_eq!(v4::register(TOKEN, &facts, "g").body.unwrap()["client_token"], TOKEN);
}

#[test]
fn v4_defined_calls_use_the_gateway_routes() {
    let id = AGENT_ID;
    let cases = [
        (v4::replica_list(id), "GET", "/api/agents/{agent_id}/replicas"),
        (v4::replica_status(id, "r-9", "ready"), "POST", "/api/agents/{agent_id}/replicas/r-9/status"),
        (v4::replica_promote(id, "r-9"), "POST", "/api/agents/{agent_id}/replicas/r-9/promote"),
        (v4::replica_config(id), "GET", "/api/agents/{agent_id}/replica-config"),
        (
            v4::create_emergency_replica(id, "termination-notice", "i-1", Some("t")),
            "POST",
            "/api/agents/{agent_id}/create-emergency-replica",
        ),
    ];
    for (call, method, path) in cases {
        assert_eq!(call.method.as_str(), method);
        assert_eq!(call.path.replace(id, "{agent_id}"), path);
    }
    assert_eq!(v4::replica_status(id, "r", "syncing").body.unwrap(), json!({"status": "syncing"}));
    assert_eq!(v4::replica_promote(id, "r").body.unwrap(), json!({}));
    let body = v4::create_emergency_replica(id, "rebalance-recommendation", "i-1", None).body.unwrap();
    assert_eq!(body, json!({"signal_type": "rebalance-recommendation", "instance_id": "i-1"}));
}

/// What v4.0.0 *does* with each answer (agent-protocol.md section D), pinned
/// against the captured values, not only their shapes.
#[test]
fn v4_behaviour_matches_the_captured_conversation() {
    let f = fixtures();
    let registered_az = f["post_agents_register"]["body"]["az"].as_str().unwrap().to_owned();
    let registered_type = f["post_agents_register"]["body"]["instance_type"].as_str().unwrap().to_owned();

    // Emergency replica: the capture's replica is in the parent's own pool,
    // although nothing else was possible; the simulated agent puts it there
    // even when the answer names another pool.
    let captured_pool = f["post_replicas"]["body"]["pool_id"].as_str().unwrap();
    assert_eq!(captured_pool, format!("{registered_type}.{registered_az}"));
    let interrupted = interruption_run();
    let replicas = interrupted.to(Endpoint::ReplicaCreate);
    assert_eq!(replicas.len(), 1, "one truthy answer, one replica");
    let ours = replicas[0].1.body.clone().unwrap();
    assert_eq!(ours["pool_id"], "t3.medium.us-east-1a", "answered target_pool_id is ignored");
    // Rebalance answers are only logged: the interrupted run answered every
    // one with the default and nothing moved, and a `switch` answer moves
    // nothing either (agent.rs pins that over time).
    assert!(interrupted.to(Endpoint::SwitchReport).is_empty());

    // Switch command: launches in the target AZ, trigger `manual` at
    // priority >= 50, report then executed, then the process exits.
    let captured = &f["post_switch-report"]["body"];
    assert_eq!(captured["trigger"], "manual");
    assert_ne!(captured["old_instance"]["az"], captured["new_instance"]["az"]);
    let switched = switch_run(0.0);
    let report = switched.first_body(Endpoint::SwitchReport);
    assert_eq!(report["trigger"], captured["trigger"]);
    assert_eq!(report["new_instance"]["az"], "us-east-1b", "the AZ of target_pool_id");
    assert_eq!(report["new_instance"]["instance_type"], report["old_instance"]["instance_type"]);
    let order: Vec<Endpoint> = switched
        .calls
        .iter()
        .map(|(_, c)| c.endpoint)
        .filter(|e| matches!(e, Endpoint::SwitchReport | Endpoint::CommandExecuted))
        .collect();
    assert_eq!(order, [Endpoint::SwitchReport, Endpoint::CommandExecuted], "report, then executed");
    assert!(switched.agent.is_stopped(), "after a successful switch with auto-terminate the process exits");
    assert_eq!(switched.spawned.len(), 1, "the new instance starts its own agent, which registers anew");
    assert_eq!(
        f["post_commands_command_id_executed"]["body"],
        json!({"message": "Switch completed", "success": true})
    );
}
