//! The lifecycle service's own settings section (read from the platform's
//! layered source; every name is in docs/CONFIGURATION.md).

use spot_platform::Settings;
use spot_platform::config::{ConfigError, SettingDef};
use spot_platform::setting;
use std::net::SocketAddr;
use std::time::Duration;

/// Every setting lifecycle reads besides the platform's.
pub const SETTINGS: &[SettingDef] = &[
    setting!(
        "SPOT_LIFECYCLE_HTTP_ADDR",
        "lifecycle_http_addr",
        "127.0.0.1:8081",
        false,
        "lifecycle health and metrics"
    ),
    setting!(
        "SPOT_LIFECYCLE_GRPC_ADDR",
        "lifecycle_grpc_addr",
        "127.0.0.1:50051",
        false,
        "lifecycle gRPC listen address"
    ),
    setting!(
        "AGENT_HEARTBEAT_TIMEOUT",
        "agent_heartbeat_timeout_secs",
        "300",
        false,
        "seconds without heartbeat before an agent is OFFLINE"
    ),
    setting!(
        "SPOT_ZOMBIE_RETENTION_DAYS",
        "zombie_retention_days",
        "30",
        false,
        "days a ZOMBIE instance is kept before it becomes TERMINATED"
    ),
];

/// Validated lifecycle settings.
#[derive(Debug, Clone)]
pub struct LifecycleSettings {
    pub http_addr: SocketAddr,
    pub grpc_addr: SocketAddr,
    pub heartbeat_timeout: Duration,
    pub zombie_retention: Duration,
}

impl LifecycleSettings {
    /// Reads and validates the section.
    pub fn load(settings: &Settings) -> Result<Self, ConfigError> {
        let r = settings.source.section(SETTINGS);
        let heartbeat_timeout: u64 = r.parse("agent_heartbeat_timeout_secs")?;
        if heartbeat_timeout == 0 {
            return Err(r.invalid("agent_heartbeat_timeout_secs", "must be positive"));
        }
        Ok(Self {
            http_addr: r.parse("lifecycle_http_addr")?,
            grpc_addr: r.parse("lifecycle_grpc_addr")?,
            heartbeat_timeout: Duration::from_secs(heartbeat_timeout),
            zombie_retention: Duration::from_secs(
                r.parse::<u64>("zombie_retention_days")?.max(1) * 24 * 3600,
            ),
        })
    }
}
