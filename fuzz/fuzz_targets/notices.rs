//! The notice calls: v4 termination-imminent (also create-emergency-replica)
//! and rebalance-recommendation (calls 8 and 9), the newer termination-notice
//! and rebalance-notice. The first byte picks the call; the rest is the body,
//! read as `routes/emergency.rs` reads it: a termination time that is not a
//! timestamp is still a notice, every other time must be one.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spot_fuzz::{accepted, pick};
use spot_gateway::error::ApiError;
use spot_gateway::wire::emergency::{
    RebalanceNotice, RebalanceRecommendation, TerminationImminent, TerminationNotice,
};
use spot_gateway::wire::{clean, parse_json, timestamp};

fn when(raw: Option<String>, field: &str) -> Result<Option<spot_contracts::Timestamp>, ApiError> {
    timestamp(clean(raw).as_deref(), field)
}

fn termination(termination_time: Option<String>, detected_at: Option<String>) {
    let raw = clean(termination_time);
    let parsed = when(raw.clone(), "termination_time");
    if let Err(e) = &parsed {
        spot_fuzz::refused(e);
    }
    assert!(raw.is_some() || parsed.is_ok_and(|t| t.is_none()));
    accepted(when(detected_at, "detected_at"));
}

fuzz_target!(|data: &[u8]| {
    let (which, body) = pick(data);
    match which % 4 {
        0 => {
            let Some(n) = accepted(parse_json::<TerminationImminent>(body)) else { return };
            clean(n.instance_id);
            termination(n.termination_time, n.detected_at);
        }
        1 => {
            let Some(n) = accepted(parse_json::<TerminationNotice>(body)) else { return };
            clean(n.instance_id);
            clean(n.request_id);
            termination(n.termination_time, None);
        }
        2 => {
            let Some(n) = accepted(parse_json::<RebalanceRecommendation>(body)) else { return };
            clean(n.instance_id);
            accepted(when(n.detected_at, "detected_at"));
        }
        _ => {
            let Some(n) = accepted(parse_json::<RebalanceNotice>(body)) else { return };
            clean(n.request_id);
            accepted(when(n.notice_time, "notice_time"));
        }
    }
});
