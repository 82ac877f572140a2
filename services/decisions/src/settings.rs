//! The decisions service's own settings section (read from the platform's
//! layered source; every name is in docs/CONFIGURATION.md, the knobs of the
//! engine are explained in docs/DECISIONS.md).

use spot_platform::Settings;
use spot_platform::config::{ConfigError, SettingDef};
use spot_platform::setting;
use std::net::SocketAddr;
use std::time::Duration;

/// Every setting decisions reads besides the platform's.
pub const SETTINGS: &[SettingDef] = &[
    setting!(
        "SPOT_DECISIONS_HTTP_ADDR",
        "decisions_http_addr",
        "127.0.0.1:8084",
        false,
        "decisions health and metrics"
    ),
    setting!(
        "SPOT_DECISIONS_GRPC_ADDR",
        "decisions_grpc_addr",
        "127.0.0.1:50054",
        false,
        "decisions gRPC listen address"
    ),
    spot_platform::config::LIFECYCLE_GRPC_URL,
    spot_platform::config::PRICING_GRPC_URL,
    setting!("SPOT_PRICE_BUCKET_SECONDS", "price_bucket_seconds", "300", false, "consolidation bucket width"),
    setting!(
        "SPOT_DECISIONS_EVAL_INTERVAL_SECS",
        "decisions_eval_interval_secs",
        "300",
        false,
        "seconds between evaluations of one group"
    ),
    setting!(
        "SPOT_DECISIONS_POLL_MS",
        "decisions_poll_ms",
        "1000",
        false,
        "how often the auto-switch loop looks for due groups"
    ),
    setting!(
        "SPOT_DECISIONS_MODEL_DEADLINE_MS",
        "decisions_model_deadline_ms",
        "500",
        false,
        "deadline of one external model call"
    ),
    setting!(
        "SPOT_DECISIONS_FAILOVER_COOLDOWN_SECS",
        "decisions_failover_cooldown_secs",
        "3600",
        false,
        "no automatic switch of a group this long after a failover"
    ),
    setting!(
        "SPOT_DECISIONS_ROUND_CHUNK",
        "decisions_round_chunk",
        "500",
        false,
        "groups claimed per evaluation transaction (1..10000)"
    ),
];

/// Validated decisions settings.
#[derive(Debug, Clone)]
pub struct DecisionsSettings {
    pub http_addr: SocketAddr,
    pub grpc_addr: SocketAddr,
    pub lifecycle_grpc_url: String,
    pub pricing_grpc_url: String,
    /// Width of pricing's consolidation buckets (realised savings).
    pub price_bucket: Duration,
    /// Timer between evaluations of a group.
    pub eval_interval: Duration,
    /// How often the loop looks for due groups.
    pub poll: Duration,
    /// Deadline of an external model call.
    pub model_deadline: Duration,
    /// No automatic switch after a failover for this long.
    pub failover_cooldown: Duration,
    /// Groups claimed per transaction.
    pub chunk: i64,
}

impl DecisionsSettings {
    /// Reads and validates the section.
    pub fn load(settings: &Settings) -> Result<Self, ConfigError> {
        let r = settings.source.section(SETTINGS);
        Ok(Self {
            http_addr: r.parse("decisions_http_addr")?,
            grpc_addr: r.parse("decisions_grpc_addr")?,
            lifecycle_grpc_url: r.text("lifecycle_grpc_url"),
            pricing_grpc_url: r.text("pricing_grpc_url"),
            price_bucket: Duration::from_secs(r.parse::<u64>("price_bucket_seconds")?.clamp(60, 86_400)),
            eval_interval: r.secs("decisions_eval_interval_secs")?,
            poll: Duration::from_millis(r.parse("decisions_poll_ms")?),
            model_deadline: Duration::from_millis(r.parse("decisions_model_deadline_ms")?),
            failover_cooldown: r.secs("decisions_failover_cooldown_secs")?,
            chunk: r.parse::<i64>("decisions_round_chunk")?.clamp(1, 10_000),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() -> Result<(), ConfigError> {
        let mut settings = Settings::for_tests("postgres://x/y", "nats://127.0.0.1:1")?;
        let d = DecisionsSettings::load(&settings)?;
        assert_eq!(
            (d.eval_interval, d.model_deadline),
            (Duration::from_secs(300), Duration::from_millis(500))
        );
        settings.source.set("SPOT_DECISIONS_EVAL_INTERVAL_SECS", "5");
        assert_eq!(DecisionsSettings::load(&settings)?.eval_interval, Duration::from_secs(5));
        settings.source.set("SPOT_DECISIONS_MODEL_DEADLINE_MS", "soon");
        assert!(DecisionsSettings::load(&settings).is_err());
        Ok(())
    }
}
