//! The layered configuration (crates/platform `config`): the TOML file's
//! text and environment overrides, read into the platform's settings and
//! the gateway's section. Input: the file text, a NUL byte, then `NAME=value`
//! lines for the environment.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spot_gateway::settings::{GatewaySettings, SETTINGS as GATEWAY};
use spot_platform::Settings;
use spot_platform::config::{SETTINGS as PLATFORM, Source};
use std::collections::BTreeMap;

fuzz_target!(|data: &[u8]| {
    let (file, env) = match data.iter().position(|b| *b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (data, &data[data.len()..]),
    };
    let Ok(file) = std::str::from_utf8(file) else { return };
    let env: BTreeMap<String, String> = String::from_utf8_lossy(env)
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    let source = match Source::with_file_text("fuzz.toml", file, env) {
        Ok(source) => source,
        Err(e) => {
            assert!(e.to_string().starts_with("config file fuzz.toml: "));
            return;
        }
    };
    if let Err(e) = source.check_file_keys(&[PLATFORM, GATEWAY]) {
        assert!(!e.to_string().is_empty());
    }
    let settings = match Settings::from_source(source) {
        Ok(settings) => settings,
        Err(e) => {
            assert!(!e.to_string().is_empty());
            return;
        }
    };
    assert!((1..=10_000).contains(&settings.consumer_batch));
    assert!(settings.consumer_max_deliver >= 1);
    assert!((0.0..=1.0).contains(&settings.trace_sample_ratio));
    assert!(!settings.nats_url.is_empty());
    assert!(format!("{settings:?}").contains("[redacted]"));
    match GatewaySettings::load(&settings) {
        Ok(gateway) => {
            assert!(gateway.webhook_retry.max_attempts >= 1);
            assert!(gateway.limits.agent_body >= 1024 && gateway.limits.tenant_per_sec >= 1);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
