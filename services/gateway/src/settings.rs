//! The gateway's own settings section (read from the platform's layered
//! source; every name is in docs/CONFIGURATION.md).

use spot_platform::Settings;
use spot_platform::config::{ConfigError, Secret, SettingDef};
use spot_platform::setting;
use std::net::SocketAddr;

/// Every setting the gateway reads besides the platform's.
pub const SETTINGS: &[SettingDef] = &[
    setting!(
        "SPOT_HTTP_ADDR",
        "http_addr",
        "127.0.0.1:8080",
        false,
        "gateway HTTP listen address (agents and operators)"
    ),
    setting!(
        "SPOT_ADMIN_TOKEN",
        "admin_token",
        "",
        true,
        "bearer token of the admin API; admin API disabled when empty"
    ),
    setting!(
        "SPOT_LIFECYCLE_GRPC_URL",
        "lifecycle_grpc_url",
        "http://127.0.0.1:50051",
        false,
        "where the gateway and emergency reach lifecycle gRPC"
    ),
    setting!(
        "SPOT_PRICING_GRPC_URL",
        "pricing_grpc_url",
        "http://127.0.0.1:50052",
        false,
        "where the gateway reaches pricing gRPC"
    ),
    setting!(
        "SPOT_EMERGENCY_GRPC_URL",
        "emergency_grpc_url",
        "http://127.0.0.1:50053",
        false,
        "where the gateway reaches emergency gRPC"
    ),
    setting!(
        "SPOT_DECISIONS_GRPC_URL",
        "decisions_grpc_url",
        "http://127.0.0.1:50054",
        false,
        "where the gateway reaches decisions gRPC"
    ),
];

/// Validated gateway settings.
#[derive(Debug, Clone)]
pub struct GatewaySettings {
    pub http_addr: SocketAddr,
    pub admin_token: Option<Secret>,
    pub lifecycle_grpc_url: String,
    pub pricing_grpc_url: String,
    pub emergency_grpc_url: String,
    pub decisions_grpc_url: String,
}

impl GatewaySettings {
    /// Reads and validates the section.
    pub fn load(settings: &Settings) -> Result<Self, ConfigError> {
        let r = settings.source.section(SETTINGS);
        Ok(Self {
            http_addr: r.parse("http_addr")?,
            admin_token: r.optional("admin_token").map(Secret::new),
            lifecycle_grpc_url: r.text("lifecycle_grpc_url"),
            pricing_grpc_url: r.text("pricing_grpc_url"),
            emergency_grpc_url: r.text("emergency_grpc_url"),
            decisions_grpc_url: r.text("decisions_grpc_url"),
        })
    }
}
