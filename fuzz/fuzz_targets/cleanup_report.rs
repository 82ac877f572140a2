//! `POST /api/agents/{id}/cleanup-report` (agent v4 call 11).
#![no_main]

use libfuzzer_sys::fuzz_target;
use spot_fuzz::{accepted, meta};
use spot_gateway::wire::parse_json;
use spot_gateway::wire::reports::CleanupReportRequest;

fuzz_target!(|body: &[u8]| {
    let Some(request) = accepted(parse_json::<CleanupReportRequest>(body)) else { return };
    let Some(event) = accepted(request.into_event(meta())) else { return };
    assert!(event.deleted_snapshots >= 0 && event.deleted_amis >= 0 && event.failed >= 0);
    for section in [&event.snapshots_json, &event.amis_json] {
        let value: serde_json::Value = serde_json::from_str(section).expect("sections are stored as JSON");
        assert!(value.is_object() || value.is_null(), "section {section}");
    }
    if let Some(t) = &event.reported_at {
        assert!(spot_platform::time::from_wire(t).is_some(), "reported_at {t:?}");
    }
});
