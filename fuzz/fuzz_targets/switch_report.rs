//! `POST /api/agents/{id}/switch-report` (agent v4 call 5), then the switch
//! timings as lifecycle derives downtime and total duration from them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spot_contracts::v1;
use spot_domain::SwitchTiming;
use spot_domain::pricing::PoolId;
use spot_fuzz::accepted;
use spot_gateway::wire::parse_json;
use spot_gateway::wire::switch_report::SwitchReportRequest;
use spot_platform::time::from_wire_opt;

fuzz_target!(|body: &[u8]| {
    let Some(request) = accepted(parse_json::<SwitchReportRequest>(body)) else { return };
    let Some(call) = accepted(request.into_grpc(v1::AgentRef::default(), "header-id".into())) else { return };
    for side in [&call.old_instance, &call.new_instance] {
        let side = side.as_ref().expect("both sides are required");
        assert!(!side.instance_id.is_empty());
        if let Ok(pool) = PoolId::parse(&side.pool_id) {
            assert!(pool.az().starts_with(pool.region()));
        }
    }
    for price in [call.on_demand_price, call.old_spot_price, call.new_spot_price].into_iter().flatten() {
        assert!(price.is_finite() && price >= 0.0, "price {price}");
    }
    assert!(!call.request_id.is_empty() && !call.trigger.is_empty());
    let t = call.timing.unwrap_or_default();
    let timing = SwitchTiming {
        switch_initiated_at: from_wire_opt(&t.switch_initiated_at),
        snapshot_created_at: from_wire_opt(&t.snapshot_created_at),
        ami_created_at: from_wire_opt(&t.ami_created_at),
        new_instance_launched_at: from_wire_opt(&t.new_instance_launched_at),
        new_instance_ready_at: from_wire_opt(&t.new_instance_ready_at),
        traffic_switched_at: from_wire_opt(&t.traffic_switched_at),
        old_instance_terminated_at: from_wire_opt(&t.old_instance_terminated_at),
    };
    let sent = [
        &t.switch_initiated_at,
        &t.snapshot_created_at,
        &t.ami_created_at,
        &t.new_instance_launched_at,
        &t.new_instance_ready_at,
        &t.traffic_switched_at,
        &t.old_instance_terminated_at,
    ];
    let read = [
        timing.switch_initiated_at,
        timing.snapshot_created_at,
        timing.ami_created_at,
        timing.new_instance_launched_at,
        timing.new_instance_ready_at,
        timing.traffic_switched_at,
        timing.old_instance_terminated_at,
    ];
    for (sent, read) in sent.iter().zip(read) {
        assert_eq!(sent.is_some(), read.is_some(), "a timing the gateway accepted does not convert back");
    }
    for seconds in [timing.downtime_seconds(), timing.total_seconds()].into_iter().flatten() {
        assert!(seconds.is_finite() && seconds >= 0.0, "duration {seconds}");
    }
});
