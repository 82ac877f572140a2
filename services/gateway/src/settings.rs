//! The gateway's own settings section (read from the platform's layered
//! source; every name is in docs/CONFIGURATION.md).

use crate::http::admission::{AGENT_SLOTS_PER_CONNECTION, OPERATOR_SLOTS_PER_CONNECTION};
use spot_platform::Settings;
use spot_platform::config::{ConfigError, Secret, SettingDef};
use spot_platform::setting;
use std::net::SocketAddr;
use std::time::Duration;

/// A whole number setting within `min..=max`.
fn in_range(
    r: &spot_platform::config::Section,
    key: &'static str,
    min: u64,
    max: u64,
) -> Result<u64, ConfigError> {
    let v: u64 = r.parse(key)?;
    if (min..=max).contains(&v) { Ok(v) } else { Err(r.invalid(key, format!("must be {min} to {max}"))) }
}

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
    setting!(
        "SPOT_WEBHOOK_MAX_ATTEMPTS",
        "webhook_max_attempts",
        "8",
        false,
        "attempts of one webhook delivery before it is dead-lettered (1-50)"
    ),
    setting!(
        "SPOT_WEBHOOK_RETRY_BASE_MS",
        "webhook_retry_base_ms",
        "2000",
        false,
        "wait after a webhook delivery's first failed attempt; doubles per attempt"
    ),
    setting!(
        "SPOT_WEBHOOK_RETRY_CAP_SECS",
        "webhook_retry_cap_secs",
        "3600",
        false,
        "longest wait between two attempts of a webhook delivery"
    ),
    setting!(
        "SPOT_WEBHOOK_TIMEOUT_SECS",
        "webhook_timeout_secs",
        "10",
        false,
        "how long one webhook attempt waits for the receiver's answer"
    ),
    setting!(
        "SPOT_WEBHOOK_CA_FILE",
        "webhook_ca_file",
        "",
        false,
        "PEM file of CA certificates trusted for https webhooks besides the system's"
    ),
    setting!(
        "SPOT_SSE_BUFFER",
        "sse_buffer",
        "10000",
        false,
        "live events kept in memory for Last-Event-ID resume"
    ),
    setting!(
        "SPOT_SSE_CLIENT_QUEUE",
        "sse_client_queue",
        "256",
        false,
        "live events queued per SSE client before the client is dropped as too slow"
    ),
    // Abuse limits (docs/HARDENING.md). The defaults leave the ingest
    // benchmark far below them: 100k agents of one tenant make ~11.7k
    // requests/s, one agent ~0.12/s (the closed-loop phase ~5/s).
    setting!(
        "SPOT_RATE_TENANT_PER_SEC",
        "rate_tenant_per_sec",
        "50000",
        false,
        "requests per second one tenant's tokens may make together (sustained)"
    ),
    setting!(
        "SPOT_RATE_TENANT_BURST",
        "rate_tenant_burst",
        "100000",
        false,
        "requests one tenant may make at once above its sustained rate"
    ),
    setting!(
        "SPOT_RATE_AGENT_PER_SEC",
        "rate_agent_per_sec",
        "50",
        false,
        "requests per second naming one agent in the path (sustained)"
    ),
    setting!(
        "SPOT_RATE_AGENT_BURST",
        "rate_agent_burst",
        "100",
        false,
        "requests one agent may make at once"
    ),
    setting!(
        "SPOT_AGENT_BODY_LIMIT_BYTES",
        "agent_body_limit_bytes",
        "1048576",
        false,
        "largest body of an agent call (register, heartbeat, reports, notices)"
    ),
    setting!(
        "SPOT_OPERATOR_BODY_LIMIT_BYTES",
        "operator_body_limit_bytes",
        "65536",
        false,
        "largest body of an operator or admin call (model uploads have their own 16 MiB)"
    ),
    setting!(
        "SPOT_REQUEST_TIMEOUT_SECS",
        "request_timeout_secs",
        "20",
        false,
        "longest an operator's call may take before the gateway answers 503 request_timeout"
    ),
    setting!(
        "SPOT_AGENT_REQUEST_TIMEOUT_SECS",
        "agent_request_timeout_secs",
        "8",
        false,
        "longest an agent's call may take before the gateway answers 503 request_timeout"
    ),
    // Load shedding (docs/HARDENING.md): empty budgets follow the pool size.
    setting!(
        "SPOT_AGENT_MAX_IN_FLIGHT",
        "agent_max_in_flight",
        "",
        false,
        "agents' calls in flight at once per gateway process; empty: 64 per database connection"
    ),
    setting!(
        "SPOT_OPERATOR_MAX_IN_FLIGHT",
        "operator_max_in_flight",
        "",
        false,
        "operators' calls in flight at once per gateway process; empty: 4 per database connection"
    ),
    setting!(
        "SPOT_ADMISSION_WAIT_MS",
        "admission_wait_ms",
        "500",
        false,
        "longest a call waits for a free slot before it is refused with 503 overloaded"
    ),
    setting!(
        "SPOT_IDEMPOTENCY_RETENTION_SECS",
        "idempotency_retention_secs",
        "86400",
        false,
        "how long the answer to a write with X-Request-ID is kept for its retries"
    ),
    setting!(
        "SPOT_SSE_KEEPALIVE_SECS",
        "sse_keepalive_secs",
        "15",
        false,
        "seconds between keep-alive comments on an idle SSE stream"
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
    /// Webhook delivery retries (docs/NOTIFICATIONS.md).
    pub webhook_retry: spot_domain::notify::RetryPolicy,
    pub webhook_timeout: std::time::Duration,
    /// Extra CA certificates for https webhooks (`webhooks::tls`).
    pub webhook_ca_file: Option<std::path::PathBuf>,
    /// Live event stream (docs/EVENTS.md, "Live updates").
    pub sse: crate::live::LiveSettings,
    /// Rate, size and time limits (docs/HARDENING.md).
    pub limits: crate::http::limits::LimitSettings,
    /// Budgets of in-flight calls (docs/HARDENING.md, "Load shedding").
    pub admission: crate::http::admission::AdmissionSettings,
}

impl GatewaySettings {
    /// Reads and validates the section.
    pub fn load(settings: &Settings) -> Result<Self, ConfigError> {
        let r = settings.source.section(SETTINGS);
        let pool = u64::from(settings.database_max_connections);
        // A budget of in-flight calls: the setting if given, else so many
        // per pooled database connection.
        let budget = |key: &'static str, per_connection: u64| -> Result<usize, ConfigError> {
            let slots = match r.optional(key) {
                Some(_) => in_range(&r, key, 1, 1_000_000)?,
                None => per_connection * pool,
            };
            Ok(usize::try_from(slots.max(1)).unwrap_or(usize::MAX))
        };
        Ok(Self {
            http_addr: r.parse("http_addr")?,
            admin_token: r.optional("admin_token").map(Secret::new),
            lifecycle_grpc_url: r.text("lifecycle_grpc_url"),
            pricing_grpc_url: r.text("pricing_grpc_url"),
            emergency_grpc_url: r.text("emergency_grpc_url"),
            decisions_grpc_url: r.text("decisions_grpc_url"),
            webhook_retry: spot_domain::notify::RetryPolicy {
                base: Duration::from_millis(in_range(&r, "webhook_retry_base_ms", 1, 3_600_000)?),
                cap: Duration::from_secs(in_range(&r, "webhook_retry_cap_secs", 1, 7 * 86_400)?),
                max_attempts: in_range(&r, "webhook_max_attempts", 1, 50)? as u32,
            },
            webhook_timeout: Duration::from_secs(in_range(&r, "webhook_timeout_secs", 1, 300)?),
            webhook_ca_file: r.optional("webhook_ca_file").map(std::path::PathBuf::from),
            sse: crate::live::LiveSettings {
                buffer: in_range(&r, "sse_buffer", 1, 1_000_000)? as usize,
                client_queue: in_range(&r, "sse_client_queue", 1, 100_000)? as usize,
                keep_alive: Duration::from_secs(in_range(&r, "sse_keepalive_secs", 1, 3600)?),
            },
            limits: crate::http::limits::LimitSettings {
                tenant_per_sec: in_range(&r, "rate_tenant_per_sec", 1, 10_000_000)? as u32,
                tenant_burst: in_range(&r, "rate_tenant_burst", 1, 100_000_000)? as u32,
                agent_per_sec: in_range(&r, "rate_agent_per_sec", 1, 1_000_000)? as u32,
                agent_burst: in_range(&r, "rate_agent_burst", 1, 10_000_000)? as u32,
                agent_body: in_range(&r, "agent_body_limit_bytes", 1024, 64 << 20)? as usize,
                operator_body: in_range(&r, "operator_body_limit_bytes", 1024, 64 << 20)? as usize,
                request_timeout: Duration::from_secs(in_range(&r, "request_timeout_secs", 1, 3600)?),
                agent_request_timeout: Duration::from_secs(in_range(
                    &r,
                    "agent_request_timeout_secs",
                    1,
                    3600,
                )?),
                idempotency_retention: Duration::from_secs(in_range(
                    &r,
                    "idempotency_retention_secs",
                    60,
                    30 * 86_400,
                )?),
            },
            admission: crate::http::admission::AdmissionSettings {
                agent_slots: budget("agent_max_in_flight", AGENT_SLOTS_PER_CONNECTION)?,
                operator_slots: budget("operator_max_in_flight", OPERATOR_SLOTS_PER_CONNECTION)?,
                wait: Duration::from_millis(in_range(&r, "admission_wait_ms", 0, 60_000)?),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(pairs: &[(&str, &str)]) -> Result<GatewaySettings, ConfigError> {
        let mut settings = Settings::for_tests("postgres://x@127.0.0.1/x", "nats://127.0.0.1:4222")?;
        for (name, value) in pairs {
            settings.set(name, *value)?;
        }
        GatewaySettings::load(&settings)
    }

    #[test]
    fn budgets_follow_the_pool_unless_set() -> Result<(), ConfigError> {
        let derived = load(&[("SPOT_DATABASE_MAX_CONNECTIONS", "16")])?;
        assert_eq!((derived.admission.agent_slots, derived.admission.operator_slots), (1024, 64));
        assert_eq!(derived.admission.wait, Duration::from_millis(500));
        assert_eq!(derived.limits.agent_request_timeout, Duration::from_secs(8));
        let set = load(&[("SPOT_AGENT_MAX_IN_FLIGHT", "3"), ("SPOT_OPERATOR_MAX_IN_FLIGHT", "2")])?;
        assert_eq!((set.admission.agent_slots, set.admission.operator_slots), (3, 2));
        assert!(load(&[("SPOT_AGENT_MAX_IN_FLIGHT", "0")]).is_err());
        Ok(())
    }
}
