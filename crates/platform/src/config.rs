//! Typed configuration: defaults, then an optional TOML file (`SPOT_CONFIG`),
//! then environment variables. Validated once at start; secrets never print.
//!
//! Every setting has one environment name, listed in [`SETTINGS`], which is
//! also what the docs and the docker-compose check read.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

/// A value that must not appear in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The secret itself; call only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// One configurable setting.
#[derive(Debug, Clone, Copy)]
pub struct SettingDef {
    /// Environment variable name.
    pub env: &'static str,
    /// Key in the TOML file.
    pub key: &'static str,
    /// Default value; empty means unset.
    pub default: &'static str,
    /// Never printed.
    pub secret: bool,
    /// One line for the docs.
    pub doc: &'static str,
}

macro_rules! setting {
    ($env:literal, $key:literal, $default:literal, $secret:literal, $doc:literal) => {
        SettingDef { env: $env, key: $key, default: $default, secret: $secret, doc: $doc }
    };
}

/// Every setting the platform reads.
pub const SETTINGS: &[SettingDef] = &[
    setting!(
        "DATABASE_URL",
        "database_url",
        "postgres://postgres@127.0.0.1:5432/spot",
        true,
        "Postgres connection URL"
    ),
    setting!(
        "SPOT_DATABASE_MAX_CONNECTIONS",
        "database_max_connections",
        "16",
        false,
        "pool size per service"
    ),
    setting!("NATS_URL", "nats_url", "nats://127.0.0.1:4222", false, "NATS server with JetStream"),
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
        "SPOT_LIFECYCLE_GRPC_URL",
        "lifecycle_grpc_url",
        "http://127.0.0.1:50051",
        false,
        "where the gateway reaches lifecycle gRPC"
    ),
    setting!(
        "SPOT_EMERGENCY_HTTP_ADDR",
        "emergency_http_addr",
        "127.0.0.1:8082",
        false,
        "emergency health and metrics"
    ),
    setting!(
        "SPOT_PRICING_HTTP_ADDR",
        "pricing_http_addr",
        "127.0.0.1:8083",
        false,
        "pricing health and metrics"
    ),
    setting!(
        "SPOT_DECISIONS_HTTP_ADDR",
        "decisions_http_addr",
        "127.0.0.1:8084",
        false,
        "decisions health and metrics"
    ),
    setting!(
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "otlp_endpoint",
        "",
        false,
        "OTLP/gRPC endpoint for traces; tracing export off when empty"
    ),
    setting!("SPOT_LOG", "log", "info", false, "log filter (tracing env-filter syntax)"),
    setting!("SPOT_LOG_FORMAT", "log_format", "json", false, "json or pretty"),
    setting!(
        "AGENT_HEARTBEAT_TIMEOUT",
        "agent_heartbeat_timeout_secs",
        "300",
        false,
        "seconds without heartbeat before an agent is OFFLINE"
    ),
    setting!(
        "SPOT_PRICING_GRPC_ADDR",
        "pricing_grpc_addr",
        "127.0.0.1:50052",
        false,
        "pricing gRPC listen address"
    ),
    setting!(
        "SPOT_PRICING_GRPC_URL",
        "pricing_grpc_url",
        "http://127.0.0.1:50052",
        false,
        "where the gateway reaches pricing gRPC"
    ),
    setting!(
        "SPOT_DECISIONS_GRPC_URL",
        "decisions_grpc_url",
        "http://127.0.0.1:50054",
        false,
        "where the gateway reaches decisions gRPC (its listen address: SPOT_DECISIONS_GRPC_ADDR, docs/DECISIONS.md)"
    ),
    setting!(
        "SPOT_EMERGENCY_GRPC_ADDR",
        "emergency_grpc_addr",
        "127.0.0.1:50053",
        false,
        "emergency gRPC listen address"
    ),
    setting!(
        "SPOT_EMERGENCY_GRPC_URL",
        "emergency_grpc_url",
        "http://127.0.0.1:50053",
        false,
        "where the gateway reaches emergency gRPC"
    ),
    setting!(
        "SPOT_NOTICE_DEADLINE_SECS",
        "notice_deadline_secs",
        "120",
        false,
        "deadline of a termination notice that carries no termination_time"
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
    setting!(
        "SPOT_ZOMBIE_RETENTION_DAYS",
        "zombie_retention_days",
        "30",
        false,
        "days a ZOMBIE instance is kept before it becomes TERMINATED"
    ),
    setting!(
        "SPOT_SHUTDOWN_GRACE_SECS",
        "shutdown_grace_secs",
        "20",
        false,
        "seconds to drain in-flight work on SIGTERM"
    ),
    setting!(
        "SPOT_CONSUMER_BATCH",
        "consumer_batch",
        "500",
        false,
        "max messages a consumer applies in one transaction"
    ),
    setting!(
        "SPOT_CONSUMER_LINGER_MS",
        "consumer_linger_ms",
        "20",
        false,
        "how long a consumer waits for more messages before applying a partial batch"
    ),
    setting!(
        "SPOT_DEDUP_RETENTION_SECS",
        "dedup_retention_secs",
        "3600",
        false,
        "seconds applied message ids (inbox) and published outbox rows are kept"
    ),
    setting!(
        "SPOT_CONSUMER_MAX_DELIVER",
        "consumer_max_deliver",
        "5",
        false,
        "deliveries before a message goes to the dead-letter stream"
    ),
    setting!(
        "SPOT_CONSUMER_ACK_WAIT_SECS",
        "consumer_ack_wait_secs",
        "30",
        false,
        "seconds before an unacknowledged message is redelivered"
    ),
    setting!(
        "SPOT_PUBLISH_TIMEOUT_MS",
        "publish_timeout_ms",
        "2000",
        false,
        "how long the gateway waits for a JetStream ack"
    ),
];

/// Environment variable naming the optional TOML file.
pub const CONFIG_FILE_ENV: &str = "SPOT_CONFIG";

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line.
    Json,
    /// Human readable.
    Pretty,
}

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: Secret,
    pub database_max_connections: u32,
    pub nats_url: String,
    pub http_addr: SocketAddr,
    pub admin_token: Option<Secret>,
    pub lifecycle_http_addr: SocketAddr,
    pub lifecycle_grpc_addr: SocketAddr,
    pub lifecycle_grpc_url: String,
    pub emergency_http_addr: SocketAddr,
    pub pricing_http_addr: SocketAddr,
    pub decisions_http_addr: SocketAddr,
    pub otlp_endpoint: Option<String>,
    pub log: String,
    pub log_format: LogFormat,
    pub agent_heartbeat_timeout: Duration,
    pub zombie_retention: Duration,
    pub emergency_grpc_addr: SocketAddr,
    pub emergency_grpc_url: String,
    pub notice_deadline: Duration,
    pub pricing_grpc_addr: SocketAddr,
    pub pricing_grpc_url: String,
    pub decisions_grpc_url: String,
    pub consolidation_interval: Duration,
    pub consolidation_window: Duration,
    pub price_bucket: Duration,
    pub risk_interval: Duration,
    pub report_interval: Duration,
    pub backfill: String,
    pub aws_endpoint: Option<String>,
    pub aws_access_key_id: Option<String>,
    pub aws_secret_access_key: Option<Secret>,
    pub shutdown_grace: Duration,
    pub consumer_batch: usize,
    pub consumer_max_deliver: i64,
    pub consumer_ack_wait: Duration,
    pub consumer_linger: Duration,
    pub dedup_retention: Duration,
    pub publish_timeout: Duration,
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
        let mut raw: BTreeMap<&'static str, String> =
            SETTINGS.iter().map(|s| (s.key, s.default.to_owned())).collect();
        if let Some(path) = env.get(CONFIG_FILE_ENV).filter(|p| !p.is_empty()) {
            for (key, value) in read_file(path)? {
                let def = SETTINGS
                    .iter()
                    .find(|s| s.key == key)
                    .ok_or_else(|| ConfigError::UnknownKey { path: path.clone(), key: key.clone() })?;
                raw.insert(def.key, value);
            }
        }
        for def in SETTINGS {
            if let Some(value) = env.get(def.env) {
                raw.insert(def.key, value.clone());
            }
        }
        Self::from_raw(&raw)
    }

    fn from_raw(raw: &BTreeMap<&'static str, String>) -> Result<Self, ConfigError> {
        let r = Reader(raw);
        let log_format = match r.text("log_format")?.as_str() {
            "json" => LogFormat::Json,
            "pretty" => LogFormat::Pretty,
            other => return Err(r.invalid("log_format", format!("expected json or pretty, got {other:?}"))),
        };
        let database_url = r.text("database_url")?;
        if !database_url.starts_with("postgres://") && !database_url.starts_with("postgresql://") {
            return Err(r.invalid("database_url", "must start with postgres://".into()));
        }
        let nats_url = r.text("nats_url")?;
        if nats_url.is_empty() {
            return Err(r.invalid("nats_url", "must not be empty".into()));
        }
        let consumer_batch: usize = r.parse("consumer_batch")?;
        if consumer_batch == 0 || consumer_batch > 10_000 {
            return Err(r.invalid("consumer_batch", "must be between 1 and 10000".into()));
        }
        let consumer_max_deliver: i64 = r.parse("consumer_max_deliver")?;
        if consumer_max_deliver < 1 {
            return Err(r.invalid("consumer_max_deliver", "must be at least 1".into()));
        }
        let heartbeat_timeout: u64 = r.parse("agent_heartbeat_timeout_secs")?;
        if heartbeat_timeout == 0 {
            return Err(r.invalid("agent_heartbeat_timeout_secs", "must be positive".into()));
        }
        Ok(Self {
            database_url: Secret::new(database_url),
            database_max_connections: r.parse("database_max_connections")?,
            nats_url,
            http_addr: r.parse("http_addr")?,
            admin_token: r.optional("admin_token").map(Secret::new),
            lifecycle_http_addr: r.parse("lifecycle_http_addr")?,
            lifecycle_grpc_addr: r.parse("lifecycle_grpc_addr")?,
            lifecycle_grpc_url: r.text("lifecycle_grpc_url")?,
            emergency_http_addr: r.parse("emergency_http_addr")?,
            pricing_http_addr: r.parse("pricing_http_addr")?,
            decisions_http_addr: r.parse("decisions_http_addr")?,
            otlp_endpoint: r.optional("otlp_endpoint"),
            log: r.text("log")?,
            log_format,
            agent_heartbeat_timeout: Duration::from_secs(heartbeat_timeout),
            zombie_retention: Duration::from_secs(
                r.parse::<u64>("zombie_retention_days")?.max(1) * 24 * 3600,
            ),
            emergency_grpc_addr: r.parse("emergency_grpc_addr")?,
            emergency_grpc_url: r.text("emergency_grpc_url")?,
            notice_deadline: Duration::from_secs(r.parse("notice_deadline_secs")?),
            pricing_grpc_addr: r.parse("pricing_grpc_addr")?,
            pricing_grpc_url: r.text("pricing_grpc_url")?,
            decisions_grpc_url: r.text("decisions_grpc_url")?,
            consolidation_interval: Duration::from_secs(
                r.parse::<u64>("consolidation_interval_hours")?.max(1) * 3600,
            ),
            consolidation_window: Duration::from_secs(
                r.parse::<u64>("consolidation_window_hours")?.clamp(1, 168) * 3600,
            ),
            price_bucket: Duration::from_secs(r.parse::<u64>("price_bucket_seconds")?.clamp(60, 86_400)),
            risk_interval: Duration::from_secs(r.parse::<u64>("risk_interval_secs")?.max(10)),
            report_interval: Duration::from_secs(r.parse::<u64>("report_interval_secs")?.clamp(1, 3600)),
            backfill: match r.text("backfill")?.as_str() {
                "off" | "" => "off".to_owned(),
                "aws" => "aws".to_owned(),
                other => return Err(r.invalid("backfill", format!("expected off or aws, got {other:?}"))),
            },
            aws_endpoint: r.optional("aws_endpoint"),
            aws_access_key_id: r.optional("aws_access_key_id"),
            aws_secret_access_key: r.optional("aws_secret_access_key").map(Secret::new),
            shutdown_grace: Duration::from_secs(r.parse("shutdown_grace_secs")?),
            consumer_batch,
            consumer_max_deliver,
            consumer_ack_wait: Duration::from_secs(r.parse::<u64>("consumer_ack_wait_secs")?.max(1)),
            consumer_linger: Duration::from_millis(r.parse::<u64>("consumer_linger_ms")?.min(1000)),
            dedup_retention: Duration::from_secs(r.parse::<u64>("dedup_retention_secs")?.max(60)),
            publish_timeout: Duration::from_millis(r.parse("publish_timeout_ms")?),
        })
    }

    /// Settings for tests: defaults with the given database and NATS URLs.
    pub fn for_tests(database_url: &str, nats_url: &str) -> Result<Self, ConfigError> {
        let mut env = BTreeMap::new();
        env.insert("DATABASE_URL".to_owned(), database_url.to_owned());
        env.insert("NATS_URL".to_owned(), nats_url.to_owned());
        env.insert("SPOT_LOG_FORMAT".to_owned(), "pretty".to_owned());
        for (name, value) in [
            ("SPOT_HTTP_ADDR", "127.0.0.1:0"),
            ("SPOT_LIFECYCLE_HTTP_ADDR", "127.0.0.1:0"),
            ("SPOT_LIFECYCLE_GRPC_ADDR", "127.0.0.1:0"),
            ("SPOT_EMERGENCY_HTTP_ADDR", "127.0.0.1:0"),
            ("SPOT_PRICING_GRPC_ADDR", "127.0.0.1:0"),
            ("SPOT_EMERGENCY_GRPC_ADDR", "127.0.0.1:0"),
            ("SPOT_PRICING_HTTP_ADDR", "127.0.0.1:0"),
            ("SPOT_DECISIONS_HTTP_ADDR", "127.0.0.1:0"),
            ("SPOT_ADMIN_TOKEN", "test-admin-token"),
            ("SPOT_SHUTDOWN_GRACE_SECS", "5"),
            // Tests run several stacks at once against one Postgres (100 connections).
            ("SPOT_DATABASE_MAX_CONNECTIONS", "6"),
        ] {
            env.insert(name.to_owned(), value.to_owned());
        }
        Self::load_from(&env)
    }
}

struct Reader<'a>(&'a BTreeMap<&'static str, String>);

impl Reader<'_> {
    fn def(&self, key: &'static str) -> SettingDef {
        SETTINGS.iter().copied().find(|s| s.key == key).unwrap_or(SettingDef {
            env: "?",
            key,
            default: "",
            secret: false,
            doc: "",
        })
    }
    fn invalid(&self, key: &'static str, reason: String) -> ConfigError {
        let def = self.def(key);
        ConfigError::Invalid { env: def.env, key: def.key, reason }
    }
    fn text(&self, key: &'static str) -> Result<String, ConfigError> {
        Ok(self.0.get(key).cloned().unwrap_or_default().trim().to_owned())
    }
    fn optional(&self, key: &'static str) -> Option<String> {
        self.0.get(key).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
    }
    fn parse<T: std::str::FromStr>(&self, key: &'static str) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        let text = self.text(key)?;
        text.parse::<T>().map_err(|e| {
            // Secrets are never echoed back, even when they fail to parse.
            let shown = if self.def(key).secret { "[redacted]".to_owned() } else { format!("{text:?}") };
            self.invalid(key, format!("{e} (value {shown})"))
        })
    }
}

fn read_file(path: &str) -> Result<Vec<(String, String)>, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::File { path: path.to_owned(), reason: e.to_string() })?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::File { path: path.to_owned(), reason: e.to_string() })?;
    Ok(table
        .into_iter()
        .map(|(k, v)| {
            let value = match v {
                toml::Value::String(s) => s,
                other => other.to_string(),
            };
            (k, value)
        })
        .collect())
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
        let s = s.ok();
        assert_eq!(s.as_ref().map(|s| s.http_addr.to_string()), Some("127.0.0.1:8080".into()));
        assert_eq!(s.as_ref().map(|s| s.admin_token.is_none()), Some(true));
    }

    #[test]
    fn env_beats_file_beats_default() {
        let dir = std::env::temp_dir().join(format!("spot-config-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join("spot.toml");
        let _ = std::fs::write(
            &file,
            "nats_url = \"nats://file:4222\"\nhttp_addr = \"0.0.0.0:9000\"\nconsumer_batch = 42\n",
        );
        let path = file.to_string_lossy().to_string();
        let s = Settings::load_from(&env(&[("SPOT_CONFIG", &path), ("NATS_URL", "nats://env:4222")]));
        let s = s.ok();
        assert_eq!(s.as_ref().map(|s| s.nats_url.as_str()), Some("nats://env:4222"));
        assert_eq!(s.as_ref().map(|s| s.http_addr.to_string()), Some("0.0.0.0:9000".into()));
        assert_eq!(s.as_ref().map(|s| s.consumer_batch), Some(42));
    }

    #[test]
    fn bad_values_name_the_variable_and_hide_secrets() {
        let err = Settings::load_from(&env(&[("SPOT_HTTP_ADDR", "nowhere")])).err().map(|e| e.to_string());
        assert!(err.as_deref().is_some_and(|e| e.contains("SPOT_HTTP_ADDR")), "{err:?}");
        let err = Settings::load_from(&env(&[("DATABASE_URL", "mysql://user:hunter2@x/db")]))
            .err()
            .map(|e| e.to_string());
        assert!(
            err.as_deref().is_some_and(|e| e.contains("DATABASE_URL") && !e.contains("hunter2")),
            "{err:?}"
        );
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Settings::load_from(&env(&[("SPOT_ADMIN_TOKEN", "very-secret")]));
        let shown = format!("{s:?}");
        assert!(!shown.contains("very-secret"));
        assert!(!shown.contains("postgres://postgres@"));
    }
}
