//! The pricing service's own settings section (read from the platform's
//! layered source; every name is in docs/CONFIGURATION.md).

use spot_platform::Settings;
use spot_platform::config::{ConfigError, Secret, SettingDef};
use spot_platform::setting;
use std::net::SocketAddr;
use std::time::Duration;

/// Every setting pricing reads besides the platform's.
pub const SETTINGS: &[SettingDef] = &[
    setting!(
        "SPOT_PRICING_HTTP_ADDR",
        "pricing_http_addr",
        "127.0.0.1:8083",
        false,
        "pricing health and metrics"
    ),
    setting!(
        "SPOT_PRICING_GRPC_ADDR",
        "pricing_grpc_addr",
        "127.0.0.1:50052",
        false,
        "pricing gRPC listen address"
    ),
    setting!(
        "SPOT_CONSOLIDATION_INTERVAL_HOURS",
        "consolidation_interval_hours",
        "12",
        false,
        "hours between scheduled consolidation runs"
    ),
    setting!(
        "SPOT_CONSOLIDATION_WINDOW_HOURS",
        "consolidation_window_hours",
        "12",
        false,
        "hours of staging a run consolidates"
    ),
    setting!("SPOT_PRICE_BUCKET_SECONDS", "price_bucket_seconds", "300", false, "consolidation bucket width"),
    setting!(
        "SPOT_RISK_INTERVAL_SECS",
        "risk_interval_secs",
        "900",
        false,
        "seconds between pool risk assessments"
    ),
    setting!(
        "SPOT_REPORT_INTERVAL_SECS",
        "report_interval_secs",
        "300",
        false,
        "agent pricing report interval; each report stands for this much usage"
    ),
    setting!(
        "SPOT_BACKFILL",
        "backfill",
        "off",
        false,
        "off, or aws to backfill gaps from EC2 spot price history"
    ),
    setting!(
        "SPOT_AWS_ENDPOINT",
        "aws_endpoint",
        "",
        false,
        "EC2 endpoint override (e.g. the moto emulator)"
    ),
    setting!(
        "SPOT_AWS_ACCESS_KEY_ID",
        "aws_access_key_id",
        "",
        false,
        "static AWS key id; default provider chain when empty"
    ),
    setting!("SPOT_AWS_SECRET_ACCESS_KEY", "aws_secret_access_key", "", true, "static AWS secret key"),
];

/// Validated pricing settings.
#[derive(Debug, Clone)]
pub struct PricingSettings {
    pub http_addr: SocketAddr,
    pub grpc_addr: SocketAddr,
    pub consolidation_interval: Duration,
    pub consolidation_window: Duration,
    pub price_bucket: Duration,
    pub risk_interval: Duration,
    pub report_interval: Duration,
    /// `off` or `aws`.
    pub backfill: String,
    pub aws_endpoint: Option<String>,
    pub aws_access_key_id: Option<String>,
    pub aws_secret_access_key: Option<Secret>,
}

impl PricingSettings {
    /// Reads and validates the section.
    pub fn load(settings: &Settings) -> Result<Self, ConfigError> {
        let r = settings.source.section(SETTINGS);
        let backfill = match r.text("backfill").as_str() {
            "off" | "" => "off".to_owned(),
            "aws" => "aws".to_owned(),
            other => return Err(r.invalid("backfill", format!("expected off or aws, got {other:?}"))),
        };
        Ok(Self {
            http_addr: r.parse("pricing_http_addr")?,
            grpc_addr: r.parse("pricing_grpc_addr")?,
            consolidation_interval: Duration::from_secs(
                r.parse::<u64>("consolidation_interval_hours")?.max(1) * 3600,
            ),
            consolidation_window: Duration::from_secs(
                r.parse::<u64>("consolidation_window_hours")?.clamp(1, 168) * 3600,
            ),
            price_bucket: Duration::from_secs(r.parse::<u64>("price_bucket_seconds")?.clamp(60, 86_400)),
            risk_interval: Duration::from_secs(r.parse::<u64>("risk_interval_secs")?.max(10)),
            report_interval: Duration::from_secs(r.parse::<u64>("report_interval_secs")?.clamp(1, 3600)),
            backfill,
            aws_endpoint: r.optional("aws_endpoint"),
            aws_access_key_id: r.optional("aws_access_key_id"),
            aws_secret_access_key: r.optional("aws_secret_access_key").map(Secret::new),
        })
    }
}
