//! The emergency service's own settings section (read from the platform's
//! layered source; every name is in docs/CONFIGURATION.md).

use spot_platform::Settings;
use spot_platform::config::{ConfigError, SettingDef};
use spot_platform::setting;
use std::net::SocketAddr;
use std::time::Duration;

/// Every setting emergency reads besides the platform's.
pub const SETTINGS: &[SettingDef] = &[
    setting!(
        "SPOT_EMERGENCY_HTTP_ADDR",
        "emergency_http_addr",
        "127.0.0.1:8082",
        false,
        "emergency health and metrics"
    ),
    setting!(
        "SPOT_EMERGENCY_GRPC_ADDR",
        "emergency_grpc_addr",
        "127.0.0.1:50053",
        false,
        "emergency gRPC listen address"
    ),
    spot_platform::config::LIFECYCLE_GRPC_URL,
    setting!(
        "SPOT_NOTICE_DEADLINE_SECS",
        "notice_deadline_secs",
        "120",
        false,
        "deadline of a termination notice that carries no termination_time"
    ),
];

/// Validated emergency settings.
#[derive(Debug, Clone)]
pub struct EmergencySettings {
    pub http_addr: SocketAddr,
    pub grpc_addr: SocketAddr,
    pub lifecycle_grpc_url: String,
    pub notice_deadline: Duration,
}

impl EmergencySettings {
    /// Reads and validates the section.
    pub fn load(settings: &Settings) -> Result<Self, ConfigError> {
        let r = settings.source.section(SETTINGS);
        Ok(Self {
            http_addr: r.parse("emergency_http_addr")?,
            grpc_addr: r.parse("emergency_grpc_addr")?,
            lifecycle_grpc_url: r.text("lifecycle_grpc_url"),
            notice_deadline: r.secs("notice_deadline_secs")?,
        })
    }
}
