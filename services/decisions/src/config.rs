//! Settings of the decisions service, read from the environment with
//! defaults (docs/DECISIONS.md lists them). They live here rather than in the
//! platform's settings so this service's knobs stay with its code.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct DecisionsConfig {
    /// `SPOT_DECISIONS_EVAL_INTERVAL_SECS` (300): timer between evaluations of a group.
    pub eval_interval: Duration,
    /// `SPOT_DECISIONS_POLL_MS` (1000): how often the loop looks for due groups.
    pub poll: Duration,
    /// `SPOT_DECISIONS_MODEL_DEADLINE_MS` (500): deadline of an external model call.
    pub model_deadline: Duration,
    /// `SPOT_DECISIONS_FAILOVER_COOLDOWN_SECS` (3600): no automatic switch after a failover.
    pub failover_cooldown: Duration,
    /// `SPOT_DECISIONS_GRPC_ADDR`; unset: port 50054 on the HTTP address's
    /// IP, or port 0 when the HTTP port is 0 (tests).
    pub grpc_addr: Option<SocketAddr>,
    /// `SPOT_DECISIONS_ROUND_CHUNK` (500): groups claimed per transaction.
    pub chunk: i64,
}

fn secs(env: &BTreeMap<String, String>, key: &str, default: u64) -> Result<Duration, String> {
    num(env, key, default).map(Duration::from_secs)
}

fn num(env: &BTreeMap<String, String>, key: &str, default: u64) -> Result<u64, String> {
    match env.get(key) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| format!("{key} must be a whole number, got {v:?}")),
    }
}

/// Default gRPC port of the decisions service.
pub const DEFAULT_GRPC_PORT: u16 = 50054;

impl DecisionsConfig {
    /// Where the gRPC server binds, given the service's HTTP address.
    pub fn grpc_addr_for(&self, http: SocketAddr) -> SocketAddr {
        self.grpc_addr.unwrap_or_else(|| {
            SocketAddr::new(http.ip(), if http.port() == 0 { 0 } else { DEFAULT_GRPC_PORT })
        })
    }

    pub fn from_env() -> Result<Self, String> {
        Self::from_map(&std::env::vars().collect())
    }

    pub fn from_map(env: &BTreeMap<String, String>) -> Result<Self, String> {
        Ok(Self {
            eval_interval: secs(env, "SPOT_DECISIONS_EVAL_INTERVAL_SECS", 300)?,
            poll: Duration::from_millis(num(env, "SPOT_DECISIONS_POLL_MS", 1_000)?),
            model_deadline: Duration::from_millis(num(env, "SPOT_DECISIONS_MODEL_DEADLINE_MS", 500)?),
            failover_cooldown: secs(env, "SPOT_DECISIONS_FAILOVER_COOLDOWN_SECS", 3_600)?,
            grpc_addr: match env.get("SPOT_DECISIONS_GRPC_ADDR") {
                None => None,
                Some(a) => {
                    Some(a.parse().map_err(|_| format!("SPOT_DECISIONS_GRPC_ADDR: bad address {a:?}"))?)
                }
            },
            chunk: i64::try_from(num(env, "SPOT_DECISIONS_ROUND_CHUNK", 500)?.clamp(1, 10_000))
                .unwrap_or(500),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let c = DecisionsConfig::from_map(&BTreeMap::new()).map(|c| (c.eval_interval, c.model_deadline));
        assert_eq!(c, Ok((Duration::from_secs(300), Duration::from_millis(500))));
        let env = BTreeMap::from([("SPOT_DECISIONS_EVAL_INTERVAL_SECS".to_owned(), "5".to_owned())]);
        assert_eq!(DecisionsConfig::from_map(&env).map(|c| c.eval_interval), Ok(Duration::from_secs(5)));
        let bad = BTreeMap::from([("SPOT_DECISIONS_MODEL_DEADLINE_MS".to_owned(), "soon".to_owned())]);
        assert!(DecisionsConfig::from_map(&bad).is_err());
    }
}
