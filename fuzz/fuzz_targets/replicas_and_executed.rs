//! The other agent bodies: `POST /replicas` (v4 call 10), `POST
//! /replicas/{rid}/status`, the optional promote body and `POST
//! /commands/{cid}/executed` (call 6). The first byte picks the call.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spot_fuzz::{accepted, pick};
use spot_gateway::wire::commands::ExecutedRequest;
use spot_gateway::wire::replicas::{CreateReplicaRequest, PromoteRequest, ReplicaStatusRequest};
use spot_gateway::wire::{clean, parse_json, parse_optional_json};

fuzz_target!(|data: &[u8]| {
    let (which, body) = pick(data);
    match which % 4 {
        0 => {
            let Some(r) = accepted(parse_json::<CreateReplicaRequest>(body)) else { return };
            for text in
                [r.instance_id, r.replica_type, r.parent_instance_id, r.pool_id, r.status, r.request_id]
            {
                assert!(clean(text).is_none_or(|t| !t.is_empty() && t.trim() == t));
            }
        }
        1 => {
            accepted(parse_json::<ReplicaStatusRequest>(body)).map(|r| clean(r.status));
        }
        2 => {
            accepted(parse_optional_json::<PromoteRequest>(body));
        }
        _ => {
            let Some(r) = accepted(parse_json::<ExecutedRequest>(body)) else { return };
            accepted(r.parts());
        }
    }
});
