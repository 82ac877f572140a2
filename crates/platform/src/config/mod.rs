//! The platform's own settings: database, NATS, telemetry, shutdown and the
//! bus tuning every consumer and publisher shares. Validated once at start;
//! secrets never print. Services read their own sections from the same
//! layered [`Source`] (see `source.rs` and docs/CONFIGURATION.md); this
//! table holds only what the platform itself uses.

mod source;

pub use source::{CONFIG_FILE_ENV, Secret, Section, SettingDef, Source};
use std::collections::BTreeMap;
use std::time::Duration;

/// Where a service reaches lifecycle gRPC: one definition for every
/// section that reads it (they must agree, see `spotctl`'s settings check).
pub const LIFECYCLE_GRPC_URL: SettingDef = crate::setting!(
    "SPOT_LIFECYCLE_GRPC_URL",
    "lifecycle_grpc_url",
    "http://127.0.0.1:50051",
    false,
    "where the gateway, emergency and decisions reach lifecycle gRPC"
);

/// Where a service reaches pricing gRPC (see [`LIFECYCLE_GRPC_URL`]).
pub const PRICING_GRPC_URL: SettingDef = crate::setting!(
    "SPOT_PRICING_GRPC_URL",
    "pricing_grpc_url",
    "http://127.0.0.1:50052",
    false,
    "where the gateway and decisions reach pricing gRPC"
);

/// Every setting the platform reads (services declare their own tables).
pub const SETTINGS: &[SettingDef] = &[
    crate::setting!(
        "DATABASE_URL",
        "database_url",
        "postgres://postgres@127.0.0.1:5432/spot",
        true,
        "Postgres connection URL"
    ),
    crate::setting!(
        "SPOT_DATABASE_MAX_CONNECTIONS",
        "database_max_connections",
        "16",
        false,
        "pool size per service"
    ),
    crate::setting!("NATS_URL", "nats_url", "nats://127.0.0.1:4222", false, "NATS server with JetStream"),
    crate::setting!(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "otlp_endpoint",
        "",
        false,
        "OTLP/gRPC endpoint for traces; tracing export off when empty"
    ),
    crate::setting!(
        "SPOT_TRACE_SAMPLE_RATIO",
        "trace_sample_ratio",
        "1.0",
        false,
        "share of new traces kept (0 to 1); a trace started upstream keeps its decision"
    ),
    crate::setting!("SPOT_LOG", "log", "info", false, "log filter (tracing env-filter syntax)"),
    crate::setting!("SPOT_LOG_FORMAT", "log_format", "json", false, "json or pretty"),
    crate::setting!(
        "SPOT_SHUTDOWN_GRACE_SECS",
        "shutdown_grace_secs",
        "20",
        false,
        "seconds to drain in-flight work on SIGTERM"
    ),
    crate::setting!(
        "SPOT_CONSUMER_BATCH",
        "consumer_batch",
        "500",
        false,
        "max messages a consumer applies in one transaction"
    ),
    crate::setting!(
        "SPOT_CONSUMER_LINGER_MS",
        "consumer_linger_ms",
        "20",
        false,
        "how long a consumer waits for more messages before applying a partial batch"
    ),
    crate::setting!(
        "SPOT_DEDUP_RETENTION_SECS",
        "dedup_retention_secs",
        "3600",
        false,
        "seconds applied message ids (inbox) and published outbox rows are kept"
    ),
    crate::setting!(
        "SPOT_CONSUMER_MAX_DELIVER",
        "consumer_max_deliver",
        "5",
        false,
        "deliveries before a message goes to the dead-letter stream"
    ),
    crate::setting!(
        "SPOT_CONSUMER_ACK_WAIT_SECS",
        "consumer_ack_wait_secs",
        "30",
        false,
        "seconds before an unacknowledged message is redelivered"
    ),
    crate::setting!(
        "SPOT_PUBLISH_TIMEOUT_MS",
        "publish_timeout_ms",
        "2000",
        false,
        "how long the gateway waits for a JetStream ack"
    ),
];

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human readable.
    Pretty,
}

/// Validated platform settings, plus the [`Source`] services read their own
/// sections from.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: Secret,
    pub database_max_connections: u32,
    pub nats_url: String,
    pub otlp_endpoint: Option<String>,
    pub trace_sample_ratio: f64,
    pub log: String,
    pub log_format: LogFormat,
    pub shutdown_grace: Duration,
    pub consumer_batch: usize,
    pub consumer_max_deliver: i64,
    pub consumer_ack_wait: Duration,
    pub consumer_linger: Duration,
    pub dedup_retention: Duration,
    pub publish_timeout: Duration,
    /// The layers every service section is read from.
    pub source: Source,
}

/// Why the configuration was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file named by `SPOT_CONFIG` could not be read or parsed.
    #[error("config file {path}: {reason}")]
    File { path: String, reason: String },
    /// A value did not parse.
    #[error("invalid {env} (file key `{key}`): {reason}")]
    Invalid { env: &'static str, key: &'static str, reason: String },
    /// The file has a key we do not know (likely a typo).
    #[error("config file {path}: unknown key `{key}`")]
    UnknownKey { path: String, key: String },
}

impl Settings {
    /// Loads defaults < file < process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let env: BTreeMap<String, String> = std::env::vars().collect();
        Self::load_from(&env)
    }

    /// Loads from an explicit environment map (tests use this).
    pub fn load_from(env: &BTreeMap<String, String>) -> Result<Self, ConfigError> {
        Self::from_source(Source::new(env.clone())?)
    }

    /// Reads the platform section of `source` (and keeps the source).
    pub fn from_source(source: Source) -> Result<Self, ConfigError> {
        let r = source.section(SETTINGS);
        let log_format = match r.text("log_format").as_str() {
            "json" => LogFormat::Json,
            "pretty" => LogFormat::Pretty,
            other => return Err(r.invalid("log_format", format!("expected json or pretty, got {other:?}"))),
        };
        let database_url = r.text("database_url");
        if !database_url.starts_with("postgres://") && !database_url.starts_with("postgresql://") {
            return Err(r.invalid("database_url", "must start with postgres://"));
        }
        let nats_url = r.text("nats_url");
        if nats_url.is_empty() {
            return Err(r.invalid("nats_url", "must not be empty"));
        }
        let consumer_batch: usize = r.parse("consumer_batch")?;
        if consumer_batch == 0 || consumer_batch > 10_000 {
            return Err(r.invalid("consumer_batch", "must be between 1 and 10000"));
        }
        let consumer_max_deliver: i64 = r.parse("consumer_max_deliver")?;
        if consumer_max_deliver < 1 {
            return Err(r.invalid("consumer_max_deliver", "must be at least 1"));
        }
        let trace_sample_ratio: f64 = r.parse("trace_sample_ratio")?;
        if !(0.0..=1.0).contains(&trace_sample_ratio) {
            return Err(r.invalid("trace_sample_ratio", "must be between 0 and 1"));
        }
        Ok(Self {
            database_url: Secret::new(database_url),
            database_max_connections: r.parse("database_max_connections")?,
            nats_url,
            otlp_endpoint: r.optional("otlp_endpoint"),
            trace_sample_ratio,
            log: r.text("log"),
            log_format,
            shutdown_grace: r.secs("shutdown_grace_secs")?,
            consumer_batch,
            consumer_max_deliver,
            consumer_ack_wait: Duration::from_secs(r.parse::<u64>("consumer_ack_wait_secs")?.max(1)),
            consumer_linger: Duration::from_millis(r.parse::<u64>("consumer_linger_ms")?.min(1000)),
            dedup_retention: Duration::from_secs(r.parse::<u64>("dedup_retention_secs")?.max(60)),
            publish_timeout: Duration::from_millis(r.parse("publish_timeout_ms")?),
            source,
        })
    }

    /// Overrides one environment name and re-reads the platform section, so
    /// an override of a platform setting takes effect too.
    pub fn set(&mut self, env: &str, value: impl Into<String>) -> Result<(), ConfigError> {
        let mut source = self.source.clone();
        source.set(env, value);
        *self = Self::from_source(source)?;
        Ok(())
    }

    /// Settings for tests: defaults with the given database and NATS URLs
    /// (test crates add port-0 listeners for the services they start).
    pub fn for_tests(database_url: &str, nats_url: &str) -> Result<Self, ConfigError> {
        let mut env = BTreeMap::new();
        env.insert("DATABASE_URL".to_owned(), database_url.to_owned());
        env.insert("NATS_URL".to_owned(), nats_url.to_owned());
        env.insert("SPOT_LOG_FORMAT".to_owned(), "pretty".to_owned());
        env.insert("SPOT_SHUTDOWN_GRACE_SECS".to_owned(), "5".to_owned());
        // Tests run several stacks at once against one Postgres (100 connections).
        env.insert("SPOT_DATABASE_MAX_CONNECTIONS".to_owned(), "6".to_owned());
        Self::load_from(&env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_are_valid() {
        let s = Settings::load_from(&BTreeMap::new());
        assert!(s.is_ok(), "{s:?}");
        assert_eq!(s.ok().map(|s| s.consumer_batch), Some(500));
    }

    const SECTION: &[SettingDef] = &[
        crate::setting!("SPOT_TEST_ADDR", "test_addr", "127.0.0.1:1", false, "a section's own setting"),
        crate::setting!("SPOT_TEST_TOKEN", "test_token", "", true, "a section's secret"),
    ];

    #[test]
    fn env_beats_file_beats_default_in_every_section() {
        let dir = std::env::temp_dir().join(format!("spot-config-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join("spot.toml");
        let _ = std::fs::write(
            &file,
            "nats_url = \"nats://file:4222\"\ntest_addr = \"0.0.0.0:9000\"\nconsumer_batch = 42\n",
        );
        let path = file.to_string_lossy().to_string();
        let s = Settings::load_from(&env(&[("SPOT_CONFIG", &path), ("NATS_URL", "nats://env:4222")])).ok();
        assert_eq!(s.as_ref().map(|s| s.nats_url.as_str()), Some("nats://env:4222"));
        assert_eq!(s.as_ref().map(|s| s.consumer_batch), Some(42));
        let addr = s.as_ref().map(|s| s.source.section(SECTION).text("test_addr"));
        assert_eq!(addr.as_deref(), Some("0.0.0.0:9000"));
        let known = s.as_ref().map(|s| s.source.check_file_keys(&[SETTINGS, SECTION]).is_ok());
        assert_eq!(known, Some(true));
        let unknown = s.as_ref().map(|s| s.source.check_file_keys(&[SETTINGS]).is_err());
        assert_eq!(unknown, Some(true), "test_addr belongs to no known section");
    }

    #[test]
    fn file_text_reads_like_the_file() {
        let text = "consumer_batch = 42\nnats_url = \"nats://inline:4222\"\n";
        let s = Source::with_file_text("inline.toml", text, BTreeMap::new()).and_then(Settings::from_source);
        assert_eq!(
            s.ok().map(|s| (s.consumer_batch, s.nats_url)),
            Some((42, "nats://inline:4222".to_owned()))
        );
        let bad = Source::with_file_text("inline.toml", "consumer_batch = ", BTreeMap::new());
        assert!(matches!(&bad, Err(ConfigError::File { path, .. }) if path == "inline.toml"), "{bad:?}");
    }

    #[test]
    fn bad_values_name_the_variable_and_hide_secrets() {
        let err = Settings::load_from(&env(&[("SPOT_CONSUMER_BATCH", "many")])).err().map(|e| e.to_string());
        assert!(err.as_deref().is_some_and(|e| e.contains("SPOT_CONSUMER_BATCH")), "{err:?}");
        let err = Settings::load_from(&env(&[("DATABASE_URL", "mysql://user:hunter2@x/db")]))
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("DATABASE_URL") && !e.contains("hunter2")),
            "{err:?}"
        );
        let source = Source::new(env(&[("SPOT_TEST_TOKEN", "hunter2")])).ok();
        let err =
            source.and_then(|s| s.section(SECTION).parse::<u8>("test_token").err()).map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("SPOT_TEST_TOKEN") && !e.contains("hunter2")),
            "{err:?}"
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Settings::load_from(&env(&[("SPOT_TEST_TOKEN", "very-secret")]));
        let shown = format!("{s:?}");
        assert!(!shown.contains("very-secret"));
        assert!(!shown.contains("postgres://postgres@"));
    }
}
