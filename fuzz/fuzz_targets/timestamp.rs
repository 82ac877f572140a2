//! Agent timestamps (agent-protocol.md, General: naive UTC, trailing `Z`,
//! IMDS verbatim): the domain parser, the gateway's field wrapper, the wire
//! conversion both ways, and the RFC 3339 text the services answer with.
#![no_main]

use chrono::SecondsFormat;
use libfuzzer_sys::fuzz_target;
use spot_domain::time::parse_agent_timestamp;
use spot_platform::time::{from_wire, to_wire};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let field = spot_gateway::wire::timestamp(Some(text), "detected_at");
    let Ok(t) = parse_agent_timestamp(text) else {
        let e = field.expect_err("the gateway accepted what the domain parser refused");
        spot_fuzz::refused(&e);
        return;
    };
    assert_eq!(field.ok().flatten(), Some(to_wire(t)));
    let back = from_wire(&to_wire(t)).expect("an accepted timestamp converts back from the wire");
    // Only a leap second (`:60`) may move, into the next second.
    assert!((back - t).num_seconds().abs() <= 1, "{t} came back as {back}");
    let shown = t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
    assert_eq!(parse_agent_timestamp(&shown), Ok(t), "{text:?} is shown as {shown:?}");
});
