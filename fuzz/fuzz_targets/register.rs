//! `POST /api/agents/register` (agent v4 call 1): the body as the route reads it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spot_domain::LogicalAgentId;
use spot_fuzz::accepted;
use spot_gateway::wire::agent_v4::RegisterRequest;
use spot_gateway::wire::parse_json;

fuzz_target!(|body: &[u8]| {
    let Some(request) = accepted(parse_json::<RegisterRequest>(body)) else { return };
    let Some(call) = accepted(request.into_grpc("0190b3c4-0000-7000-8000-000000000001")) else { return };
    let instance = call.instance.as_ref().map(|i| i.instance_id.as_str()).unwrap_or_default();
    assert!(!instance.is_empty() && instance.trim() == instance, "instance id {instance:?}");
    let logical = LogicalAgentId::parse(&call.logical_agent_id).map(|l| l.as_str().to_owned());
    assert_eq!(logical.as_deref(), Ok(call.logical_agent_id.as_str()));
});
