//! `POST /api/agents/{id}/heartbeat` (agent v4 call 2, with the newer metrics).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spot_fuzz::{accepted, meta};
use spot_gateway::wire::agent_v4::{Heartbeat, HeartbeatRequest};
use spot_gateway::wire::parse_json;

fuzz_target!(|body: &[u8]| {
    let Some(request) = accepted(parse_json::<HeartbeatRequest>(body)) else { return };
    let Some(heartbeat) = accepted(Heartbeat::try_from(request)) else { return };
    assert!(heartbeat.monitored_instances.len() <= 1000);
    assert!(heartbeat.monitored_instances.iter().all(|i| !i.is_empty() && i.trim() == i));
    if let Some(m) = &heartbeat.metrics {
        for v in [m.cpu_usage, m.memory_usage].into_iter().flatten() {
            assert!((0.0..=100.0).contains(&v), "percent {v}");
        }
        assert!(m.heartbeat_latency_ms.is_none_or(|v| (0.0..=3_600_000.0).contains(&v)));
        assert!(m.error_count.is_none_or(|n| n >= 0));
    }
    let event = heartbeat.into_event(meta());
    assert!(event.meta.is_some());
});
