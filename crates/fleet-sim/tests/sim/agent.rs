//! The agent's decisions as pure functions of the answers it gets: what it
//! sends next, when, and what it does to the cloud.

use crate::harness::{AGENT_ID, Harness, at, calm, default_answer, epoch};
use chrono::NaiveDateTime;
use serde_json::{Value, json};
use spot_fleet_sim::SimTime;
use spot_fleet_sim::agent::commands::{CommandKind, first_runnable};
use spot_fleet_sim::agent::{Answer, Behaviour, Call, Endpoint, Failure, Flavour, Method, wire_time};
use spot_fleet_sim::cloud::{
    CloudConfig, CloudEvent, InstanceState, Market, MassEventSpec, TerminationReason,
};
use std::time::Duration;

fn harness(cfg: CloudConfig, behaviour: Behaviour) -> Harness {
    Harness::on(cfg, Flavour::V4, behaviour, ("t3.medium", "us-east-1a"), Market::Spot)
}

fn mass_event(az: &str, secs: u64) -> CloudConfig {
    CloudConfig {
        mass_events: vec![MassEventSpec { az: az.into(), at: Duration::from_secs(secs) }],
        ..calm()
    }
}

fn times(h: &Harness, e: Endpoint) -> Vec<f64> {
    h.to(e).iter().map(|(t, _)| t.as_secs_f64()).collect()
}

fn zulu(v: &Value) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(v.as_str().unwrap().trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S%.f").unwrap()
}

/// A server that hands out `command` once, at the first poll after 100 s.
fn commanding(command: Value) -> impl FnMut(&Call, SimTime) -> Answer {
    let mut sent = false;
    move |call, now| match call.endpoint {
        Endpoint::PendingCommands if !sent && now >= at(100.0) => {
            sent = true;
            Answer::ok(command.clone())
        }
        _ => default_answer(call),
    }
}

#[test]
fn registers_then_keeps_the_v4_cadence() {
    let mut h = harness(calm(), Behaviour::default());
    h.run_until(at(600.0), &mut |c, _| default_answer(c));
    assert_eq!(times(&h, Endpoint::Register), vec![0.0]);
    let hb = times(&h, Endpoint::Heartbeat);
    assert!((19..=21).contains(&hb.len()), "{} heartbeats", hb.len());
    assert!(hb[0] < 0.5, "first heartbeat right after registering");
    assert!(hb.windows(2).all(|w| (30.0..=30.5).contains(&(w[1] - w[0]))), "every 30 s plus jitter: {hb:?}");
    assert!((38..=41).contains(&times(&h, Endpoint::PendingCommands).len()));
    assert!((10..=11).contains(&times(&h, Endpoint::Config).len()));
    let pricing = times(&h, Endpoint::PricingReport);
    assert_eq!(pricing.len(), 2);
    assert!(pricing[1] - pricing[0] >= 300.0);
    assert!(
        h.to(Endpoint::TerminationImminent).is_empty() && h.to(Endpoint::RebalanceRecommendation).is_empty()
    );
    assert!(
        h.calls.iter().skip(1).all(|(_, c)| c.path.contains(AGENT_ID)),
        "agent id from the answer is used"
    );
    assert!(h.calls.iter().all(|(_, c)| c.request_id.is_none()), "v4 sends no request ids");
}

#[test]
fn same_seed_same_calls() {
    let run = || {
        let mut h = harness(calm(), Behaviour::default());
        h.run_until(at(900.0), &mut commanding(json!([{"id": "cmd-1", "target_mode": "ondemand"}])));
        h.calls
    };
    assert_eq!(run(), run());
}

#[test]
fn failed_registrations_restart_as_new_processes() {
    let mut h = harness(calm(), Behaviour::default());
    let mut n = 0;
    h.run_until(at(400.0), &mut |c, _| {
        if c.endpoint != Endpoint::Register {
            return default_answer(c);
        }
        n += 1;
        match n {
            1 => Answer::ok(json!({})),
            2 => Answer::failed(Failure::Status(503)),
            3 => Answer::ok(json!({"agent_id": "x", "config": null})),
            4 => Answer::failed(Failure::NotJson(200)),
            _ => default_answer(c),
        }
    });
    assert_eq!(times(&h, Endpoint::Register), vec![0.0, 60.0, 120.0, 180.0, 240.0]);
    assert!(times(&h, Endpoint::Heartbeat).iter().all(|t| *t >= 240.0));
    assert_eq!(h.agent.agent_id(), Some(AGENT_ID));

    let mut dead = harness(calm(), Behaviour { restart_after_failure: None, ..Behaviour::default() });
    dead.run_until(at(400.0), &mut |_, _| Answer::ok(json!({})));
    assert_eq!(dead.calls.len(), 1);
    assert!(dead.agent.is_stopped());
}

#[test]
fn a_reinstalled_agent_registers_again_with_a_new_id() {
    let mut h = harness(calm(), Behaviour::default());
    let mut ids = vec!["first-id", "second-id"].into_iter();
    let mut server = move |c: &Call, _| match c.endpoint {
        Endpoint::Register => Answer::ok(json!({"agent_id": ids.next().unwrap(), "config": {}})),
        _ => default_answer(c),
    };
    h.run_until(at(100.0), &mut server);
    let calls = h.agent.reinstall(at(100.0));
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].body, Some(json!({"status": "offline", "monitored_instances": []})));
    assert!(calls[0].path.contains("first-id"));
    h.pump(calls, &mut server);
    h.run_until(at(200.0), &mut server);
    assert_eq!(times(&h, Endpoint::Register).len(), 2);
    let after: Vec<_> = h.calls.iter().filter(|(t, _)| *t > at(100.0)).map(|(_, c)| &c.path).collect();
    assert!(after.iter().skip(1).all(|p| p.contains("second-id")), "{after:?}");
}

#[test]
fn disabled_agents_stay_passive_until_enabled() {
    let mut h = harness(calm(), Behaviour::default());
    h.run_until(at(600.0), &mut |c, now| match c.endpoint {
        Endpoint::Register => Answer::ok(json!({"agent_id": AGENT_ID, "config": {"enabled": false}})),
        Endpoint::Config => Answer::ok(json!({"enabled": now >= at(300.0)})),
        _ => default_answer(c),
    });
    let first_enabled = times(&h, Endpoint::Config).into_iter().find(|t| *t >= 300.0).unwrap();
    for (t, c) in h.to(Endpoint::Heartbeat) {
        let expected = if t.as_secs_f64() <= first_enabled { "disabled" } else { "online" };
        assert_eq!(c.body.as_ref().unwrap()["status"], expected, "at {t:?}");
    }
    let polls = times(&h, Endpoint::PendingCommands);
    assert!(!polls.is_empty() && polls.iter().all(|t| *t > first_enabled), "{polls:?}");
    assert_eq!(times(&h, Endpoint::PricingReport).len(), 2, "passive agents still report prices");
}

#[test]
fn a_switch_launches_reports_marks_executed_and_exits() {
    let mut h = harness(calm(), Behaviour { snapshot_on_switch: 0.0, ..Behaviour::default() });
    let old = h.agent.instance().instance_id.clone();
    h.run_until(
        at(1000.0),
        &mut commanding(json!([{"id": "cmd-1", "target_mode": "spot", "target_pool_id": "t3.medium.us-east-1b", "priority": 75}])),
    );
    let tail: Vec<Endpoint> = h.calls.iter().rev().take(3).rev().map(|(_, c)| c.endpoint).collect();
    assert_eq!(tail, vec![Endpoint::SwitchReport, Endpoint::CommandExecuted, Endpoint::Heartbeat]);
    let (_, executed) = h.to(Endpoint::CommandExecuted)[0];
    assert!(executed.path.ends_with("/commands/cmd-1/executed"));
    assert_eq!(executed.body, Some(json!({"success": true, "message": "Switch completed"})));
    assert!(h.agent.is_stopped());

    let report = h.first_body(Endpoint::SwitchReport);
    assert_eq!(report["trigger"], "manual");
    assert_eq!(report["old_instance"]["instance_id"], old.as_str());
    assert_eq!(report["new_instance"]["pool_id"], "t3.medium.us-east-1b");
    assert_eq!(report["snapshot"], json!({"used": false}));
    let new_id = report["new_instance"]["instance_id"].as_str().unwrap().to_owned();
    let new = h.cloud.instance(&new_id).unwrap();
    assert_eq!(
        (new.az.as_str(), new.market, new.state),
        ("us-east-1b", Market::Spot, InstanceState::Running)
    );
    assert_eq!(report["prices"]["new_spot"], json!(h.cloud.spot_price(&new.spot_pool().unwrap()).unwrap()));
    let old_inst = h.cloud.instance(&old).unwrap();
    assert_eq!(old_inst.terminated.map(|t| t.1), Some(TerminationReason::Requested));

    let t = &report["timing"];
    let order = [
        "switch_initiated_at",
        "new_instance_launched_at",
        "new_instance_ready_at",
        "traffic_switched_at",
        "old_instance_terminated_at",
    ];
    let stamps: Vec<NaiveDateTime> = order.iter().map(|k| zulu(&t[*k])).collect();
    assert!(stamps.windows(2).all(|w| w[0] <= w[1]), "{t}");
    let boot = (stamps[2] - stamps[1]).as_seconds_f64();
    assert!((30.0..=90.5).contains(&boot), "boot {boot}");
    assert_eq!((stamps[3] - stamps[2]).as_seconds_f64(), 2.0);
    assert_eq!(t["snapshot_created_at"], Value::Null);

    assert_eq!(h.spawned.len(), 1, "the new instance starts an agent");
    assert_eq!(h.spawned[0].instance.instance_id, new_id);
    assert!(h.spawned[0].start_at > new.ready_at);
}

#[test]
fn low_priority_is_a_model_switch_and_without_auto_terminate_the_agent_stays() {
    let mut h = harness(calm(), Behaviour::default());
    let old = h.agent.instance().instance_id.clone();
    h.run_until(
        at(1000.0),
        &mut commanding(
            json!([{"id": "cmd-1", "target_mode": "ondemand", "priority": 10, "terminate_wait_seconds": 0}]),
        ),
    );
    let report = h.first_body(Endpoint::SwitchReport);
    assert_eq!(report["trigger"], "model");
    assert_eq!(report["timing"]["old_instance_terminated_at"], Value::Null);
    assert_eq!(report["new_instance"]["mode"], "ondemand");
    assert_eq!(report["new_instance"]["pool_id"], Value::Null);
    assert_eq!(h.cloud.instance(&old).unwrap().state, InstanceState::Running);
    assert!(!h.agent.is_stopped());
    let executed_at = times(&h, Endpoint::CommandExecuted)[0];
    assert!(times(&h, Endpoint::Heartbeat).iter().any(|t| *t > executed_at + 60.0), "keeps heartbeating");
}

#[test]
fn a_failed_switch_sends_no_report() {
    let mut h =
        harness(mass_event("us-east-1b", 50), Behaviour { snapshot_on_switch: 0.0, ..Behaviour::default() });
    h.run_until(
        at(600.0),
        &mut commanding(
            json!([{"id": "cmd-1", "target_mode": "spot", "target_pool_id": "m5.large.us-east-1b"}]),
        ),
    );
    assert!(h.to(Endpoint::SwitchReport).is_empty());
    let (_, executed) = h.to(Endpoint::CommandExecuted)[0];
    assert_eq!(executed.body, Some(json!({"success": false, "message": "Switch failed"})));
    assert!(!h.agent.is_stopped());
    assert!(times(&h, Endpoint::PendingCommands).iter().any(|t| *t > 200.0), "polls again after the failure");
}

#[test]
fn v4_runs_the_first_entry_with_a_target_mode_only() {
    let list = json!({"commands": [
        {"id": "a", "command_type": "CREATE_REPLICA", "priority": 100},
        {"id": "b", "target_mode": "ondemand"},
        {"id": "c", "target_mode": "spot", "target_pool_id": "t3.medium.us-east-1c"}
    ]});
    let v4 = first_runnable(&list, Flavour::V4).unwrap();
    assert_eq!((v4.id.as_str(), v4.kind), ("b", CommandKind::Switch));
    let typed = first_runnable(&list, Flavour::Typed).unwrap();
    assert_eq!((typed.id.as_str(), typed.kind), ("a", CommandKind::CreateReplica));
    assert!(first_runnable(&json!([{"target_mode": "spot"}, 7, null]), Flavour::V4).is_none());
    assert!(first_runnable(&json!({"unexpected": true}), Flavour::V4).is_none());
    let numeric =
        first_runnable(&json!([{"id": 42, "target_mode": "spot", "priority": 50.0}]), Flavour::V4).unwrap();
    assert_eq!((numeric.id.as_str(), numeric.trigger()), ("42", "manual"));

    let mut h = harness(calm(), Behaviour::default());
    h.run_until(at(600.0), &mut commanding(list));
    assert_eq!(h.to(Endpoint::CommandExecuted).len(), 1);
    assert!(h.to(Endpoint::CommandExecuted)[0].1.path.contains("/commands/b/"));
    let report = h.first_body(Endpoint::SwitchReport);
    let new = h.cloud.instance(report["new_instance"]["instance_id"].as_str().unwrap()).unwrap();
    assert_eq!((new.market, new.az.as_str()), (Market::OnDemand, "us-east-1a"), "on-demand stays in the AZ");
}

/// A notice at 600 s (reclaimed at 720 s) while the pool keeps capacity (a
/// lone reclaim, not an AZ outage); the server answers with `answer`.
fn noticed(answer_true: fn(usize) -> bool) -> Harness {
    let lone = CloudConfig { capacity_outage: Duration::ZERO, ..mass_event("us-east-1a", 600) };
    let mut h = harness(lone, Behaviour::default());
    let mut n = 0;
    h.run_until(at(900.0), &mut |c, _| match c.endpoint {
        Endpoint::TerminationImminent => {
            n += 1;
            Answer::ok(
                json!({"create_emergency_replica": answer_true(n), "target_pool_id": "c5.large.us-east-1d"}),
            )
        }
        _ => default_answer(c),
    });
    h
}

#[test]
fn termination_notice_is_reported_every_5s_and_one_truthy_answer_makes_one_replica() {
    let h = noticed(|n| n == 1);
    let calls = times(&h, Endpoint::TerminationImminent);
    assert!(calls[0] >= 600.0 && calls[0] <= 605.5, "{calls:?}");
    let body = h.first_body(Endpoint::TerminationImminent);
    assert_eq!(body["termination_time"], wire_time::imds(epoch() + chrono::TimeDelta::seconds(720)));
    let replicas = h.to(Endpoint::ReplicaCreate);
    assert_eq!(replicas.len(), 1);
    let (sent_at, call) = replicas[0];
    let replica = call.body.clone().unwrap();
    assert_eq!(replica["status"], "ready");
    assert_eq!(replica["replica_type"], "emergency");
    assert_eq!(replica["parent_instance_id"], h.agent.instance().instance_id.as_str());
    assert_eq!(
        replica["pool_id"], "t3.medium.us-east-1a",
        "v4 never reads target_pool_id from this answer: its own type in its own AZ"
    );
    let inst = h.cloud.instance(replica["instance_id"].as_str().unwrap()).unwrap();
    assert!(*sent_at >= inst.ready_at);
    assert!(
        calls.iter().all(|t| *t < calls[0] + 0.1 || *t > sent_at.as_secs_f64()),
        "no checks while launching"
    );
    assert!(calls.windows(2).skip(1).all(|w| (5.0..=5.5).contains(&(w[1] - w[0]))), "{calls:?}");
    assert!(calls.last().unwrap() <= &720.0);
    let last = h.calls.last().unwrap();
    assert_eq!(last.1.body, Some(json!({"status": "offline", "monitored_instances": []})));
    assert!(last.0 >= at(720.0) && last.0 <= at(725.5), "stops within a check of being reclaimed");
    assert!(h.agent.is_stopped());
    assert_eq!(h.spawned.len(), 1, "the replica starts its own agent");
}

#[test]
fn every_truthy_answer_launches_another_replica_as_v4_does() {
    let h = noticed(|_| true);
    assert!(
        h.cloud
            .events()
            .iter()
            .all(|e| !matches!(e, CloudEvent::Launched { pool, .. } if pool.az == "us-east-1d")),
        "never the answered pool"
    );
    let launched = h
        .cloud
        .events()
        .iter()
        .filter(|e| matches!(e, CloudEvent::Launched { pool, at, .. } if pool.az == "us-east-1a" && *at > SimTime::ZERO))
        .count();
    let asked = h.to(Endpoint::TerminationImminent).len();
    assert!(launched >= 2, "a server answering true twice gets two replicas ({launched})");
    assert_eq!(launched, asked);
}

#[test]
fn rebalance_recommendations_repeat_every_30s_and_v4_acts_on_no_answer() {
    let cfg = CloudConfig { rebalance_probability: 1.0, ..mass_event("us-east-1a", 900) };
    let switch_answer = |c: &Call, _| match c.endpoint {
        Endpoint::RebalanceRecommendation => Answer::ok(
            json!({"action": "switch", "target_mode": "spot", "target_pool_id": "t3.medium.us-east-1b"}),
        ),
        _ => default_answer(c),
    };
    let monitor_answer = |c: &Call, _| match c.endpoint {
        Endpoint::RebalanceRecommendation => Answer::ok(json!({"action": "monitor", "risk_score": 0.8})),
        _ => default_answer(c),
    };
    let mut h = harness(cfg.clone(), Behaviour::default());
    h.run_until(at(1000.0), &mut monitor_answer.clone());
    let calls = times(&h, Endpoint::RebalanceRecommendation);
    assert!(calls[0] >= 780.0 && calls[0] <= 811.0, "{calls:?}");
    assert!(calls.windows(2).all(|w| (30.0..=30.5).contains(&(w[1] - w[0]))));
    assert!(calls.len() >= 7, "re-sent until reclaimed ({})", calls.len());
    assert!(h.to(Endpoint::SwitchReport).is_empty(), "monitor: nothing to do");

    // v4.0.0 only logs a rebalance answer: `switch` with a target starts nothing.
    let mut h = harness(cfg, Behaviour::default());
    h.run_until(at(1000.0), &mut switch_answer.clone());
    assert!(h.to(Endpoint::SwitchReport).is_empty(), "a switch answer is only logged");
    assert!(h.to(Endpoint::CommandExecuted).is_empty());
    assert!(times(&h, Endpoint::RebalanceRecommendation).len() >= 7, "it keeps reporting");
}

#[test]
fn on_demand_agents_skip_metadata_checks_and_send_null_spot_fields() {
    let mut h = Harness::on(
        mass_event("us-east-1a", 100),
        Flavour::V4,
        Behaviour::default(),
        ("m5.large", "us-east-1a"),
        Market::OnDemand,
    );
    h.run_until(at(600.0), &mut |c, _| default_answer(c));
    assert!(
        h.to(Endpoint::TerminationImminent).is_empty() && h.to(Endpoint::RebalanceRecommendation).is_empty()
    );
    assert!(!h.agent.is_stopped(), "mass events reclaim spot only");
    let report = h.first_body(Endpoint::PricingReport);
    assert_eq!(report["instance"]["pool_id"], Value::Null);
    assert_eq!(report["instance"]["mode"], "ondemand");
    assert_eq!(report["pricing"]["current_spot_price"], Value::Null);
    assert_eq!(report["pricing"]["cheapest_pool"], Value::Null);
    assert_eq!(report["pricing"]["spot_pools"].as_array().unwrap().len(), 6);
    assert_eq!(report["pricing"]["on_demand_price"], json!(0.096));
}

#[test]
fn spot_pricing_reports_name_the_cheapest_pool_of_the_type() {
    let mut h = harness(calm(), Behaviour::default());
    h.run_until(at(10.0), &mut |c, _| default_answer(c));
    let p = &h.first_body(Endpoint::PricingReport)["pricing"];
    let pools = p["spot_pools"].as_array().unwrap();
    let min = pools.iter().map(|x| x["price"].as_f64().unwrap()).fold(f64::MAX, f64::min);
    assert_eq!(p["cheapest_pool"]["price"].as_f64().unwrap(), min);
    assert!(pools.iter().all(|x| x["instance_type"] == "t3.medium"));
    let own = pools.iter().find(|x| x["az"] == "us-east-1a").unwrap();
    assert_eq!(p["current_spot_price"], own["price"]);
}

#[test]
fn typed_agents_declare_capabilities_stamp_writes_and_run_typed_commands() {
    let mut h = Harness::on(
        mass_event("us-east-1a", 600),
        Flavour::Typed,
        Behaviour::default(),
        ("t3.medium", "us-east-1a"),
        Market::Spot,
    );
    h.run_until(
        at(900.0),
        &mut commanding(json!([{"id": "cmd-1", "command_type": "CREATE_REPLICA", "target_pool_id": "t3.medium.us-east-1e", "priority": 100}])),
    );
    let reg = h.first_body(Endpoint::Register);
    assert_eq!(reg["agent_version"], "5.0.0");
    assert_eq!(reg["capabilities"], json!(["typed_commands"]));
    let mut ids = std::collections::HashSet::new();
    for (_, c) in &h.calls {
        match c.method {
            Method::Post => assert!(ids.insert(c.request_id.clone().unwrap()), "unique X-Request-ID"),
            Method::Get => assert!(c.request_id.is_none()),
        }
    }
    let hb = h.first_body(Endpoint::Heartbeat);
    for k in ["cpu_usage", "memory_usage", "heartbeat_latency_ms", "error_count"] {
        assert!(hb.get(k).is_some(), "heartbeat has {k}");
    }
    let flow: Vec<Endpoint> = h
        .calls
        .iter()
        .map(|(_, c)| c.endpoint)
        .filter(|e| {
            matches!(e, Endpoint::ReplicaCreate | Endpoint::ReplicaStatus | Endpoint::CommandExecuted)
        })
        .collect();
    assert_eq!(flow, vec![Endpoint::ReplicaCreate, Endpoint::ReplicaStatus, Endpoint::CommandExecuted]);
    assert_eq!(h.first_body(Endpoint::ReplicaCreate)["status"], "launching");
    assert_eq!(h.first_body(Endpoint::ReplicaCreate)["replica_type"], "emergency");
    assert_eq!(h.first_body(Endpoint::ReplicaStatus), json!({"status": "ready"}));
    assert!(h.to(Endpoint::ReplicaStatus)[0].1.path.ends_with("/replicas/r-1/status"));

    assert_eq!(h.to(Endpoint::TerminationNotice).len(), 1, "acknowledged once");
    assert!(h.to(Endpoint::TerminationImminent).is_empty());
    assert!(!h.to(Endpoint::EmergencyStatus).is_empty());
    let polls: Vec<f64> = times(&h, Endpoint::PendingCommands).into_iter().filter(|t| *t > 601.0).collect();
    assert!(polls.windows(2).all(|w| w[1] - w[0] <= 5.5), "fast command polls under notice: {polls:?}");
}
