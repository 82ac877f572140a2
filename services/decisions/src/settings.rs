//! The decisions service's own settings section (read from the platform's
//! layered source; every name is in docs/CONFIGURATION.md).

use spot_platform::Settings;
use spot_platform::config::{ConfigError, SettingDef};
use spot_platform::setting;
use std::net::SocketAddr;

/// Every setting decisions reads besides the platform's.
pub const SETTINGS: &[SettingDef] = &[setting!(
    "SPOT_DECISIONS_HTTP_ADDR",
    "decisions_http_addr",
    "127.0.0.1:8084",
    false,
    "decisions health and metrics"
)];

/// Validated decisions settings.
#[derive(Debug, Clone)]
pub struct DecisionsSettings {
    pub http_addr: SocketAddr,
}

impl DecisionsSettings {
    /// Reads and validates the section.
    pub fn load(settings: &Settings) -> Result<Self, ConfigError> {
        let r = settings.source.section(SETTINGS);
        Ok(Self { http_addr: r.parse("decisions_http_addr")? })
    }
}
