//! Group settings (crates/domain `group::settings`): the stored JSON form,
//! partial updates, and the gateway's `PATCH /settings` body. The first byte
//! picks which.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spot_domain::{GroupSettings, SettingsError, SettingsPatch};
use spot_fuzz::{accepted, pick};
use spot_gateway::routes::settings::SettingsBody;
use spot_gateway::wire::parse_json;

fn explained(e: &SettingsError) {
    assert!(!e.code().is_empty() && !e.to_string().is_empty());
    assert_eq!(e.field().is_none(), matches!(e, SettingsError::AutoSwitchWithManualReplica));
}

/// Applies `patch` to the defaults: a result is valid, and applying the same
/// patch again changes nothing.
fn patched(patch: &SettingsPatch) {
    match GroupSettings::default().apply(patch) {
        Ok(next) => {
            assert_eq!(next.validate(), Ok(()));
            assert_eq!(next.apply(patch).as_ref(), Ok(&next));
        }
        Err(e) => explained(&e),
    }
}

fuzz_target!(|data: &[u8]| {
    let (which, body) = pick(data);
    match which % 3 {
        0 => {
            let Ok(stored) = serde_json::from_slice::<GroupSettings>(body) else { return };
            match stored.validate() {
                Ok(()) => assert_eq!(stored.apply(&SettingsPatch::default()).as_ref(), Ok(&stored)),
                Err(e) => explained(&e),
            }
        }
        1 => {
            if let Ok(patch) = serde_json::from_slice::<SettingsPatch>(body) {
                patched(&patch);
            }
        }
        _ => {
            let Some(b) = accepted(parse_json::<SettingsBody>(body)) else { return };
            patched(&SettingsPatch {
                auto_switch: b.auto_switch,
                manual_replica: b.manual_replica,
                auto_terminate: b.auto_terminate,
                terminate_wait_seconds: b.terminate_wait_seconds,
                min_savings_percent: b.min_savings_percent,
                max_switches_per_week: b.max_switches_per_week,
                min_pool_duration_hours: b.min_pool_duration_hours,
                availability_target_percent: b.availability_target_percent,
            });
        }
    }
});
