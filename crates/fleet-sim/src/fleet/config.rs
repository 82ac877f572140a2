//! Fleet configuration.

use crate::agent::Behaviour;
use crate::cloud::CloudConfig;
use crate::error::SimError;
use std::fmt;
use std::time::Duration;

/// How to run a fleet.
#[derive(Clone)]
pub struct FleetConfig {
    /// Number of agents (one instance each) at the start.
    pub agents: usize,
    /// Number of tenants; agent `i` belongs to tenant `i % tenants`.
    pub tenants: usize,
    /// Root seed of the cloud and of every agent.
    pub seed: u64,
    /// Simulation speed (1.0 real time, 60.0 a minute per second).
    pub speed: f64,
    /// Largest random extra added to every agent period (simulated time).
    pub jitter: Duration,
    /// Gateway root URL, e.g. `http://127.0.0.1:8080`.
    pub base_url: String,
    /// Admin token, used to create the tenants when `tenant_tokens` is empty.
    pub admin_token: Option<String>,
    /// Tokens of existing tenants; when given, no tenants are created.
    pub tenant_tokens: Vec<String>,
    /// Prefix of the names of created tenants.
    pub tenant_name_prefix: String,
    /// Share of agents speaking the typed protocol (section B); the rest are v4.
    pub typed_share: f64,
    /// Share of agents starting on on-demand instances.
    pub on_demand_share: f64,
    /// Registrations of the initial agents are spread over this (simulated) time.
    pub ramp_up: Duration,
    /// Agent steps doing HTTP at once (bounds open connections too).
    pub max_in_flight: usize,
    /// Idle connections kept open to the gateway.
    pub connections: usize,
    /// Per-request timeout (v4 uses 30 s).
    pub request_timeout: Duration,
    /// Agent behaviour (its `jitter` is replaced by `jitter` above).
    pub behaviour: Behaviour,
    /// The simulated cloud (its `seed` is replaced by `seed` above).
    pub cloud: CloudConfig,
}

impl fmt::Debug for FleetConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tokens are secrets: never print them.
        f.debug_struct("FleetConfig")
            .field("agents", &self.agents)
            .field("tenants", &self.tenants)
            .field("seed", &self.seed)
            .field("speed", &self.speed)
            .field("jitter", &self.jitter)
            .field("base_url", &self.base_url)
            .field("admin_token", &self.admin_token.as_ref().map(|_| "<redacted>"))
            .field("tenant_tokens", &format!("<{} redacted>", self.tenant_tokens.len()))
            .field("typed_share", &self.typed_share)
            .field("on_demand_share", &self.on_demand_share)
            .field("ramp_up", &self.ramp_up)
            .field("max_in_flight", &self.max_in_flight)
            .field("connections", &self.connections)
            .finish_non_exhaustive()
    }
}

impl Default for FleetConfig {
    fn default() -> Self {
        FleetConfig {
            agents: 100,
            tenants: 1,
            seed: 1,
            speed: 1.0,
            jitter: Duration::from_millis(500),
            base_url: "http://127.0.0.1:8080".to_owned(),
            admin_token: None,
            tenant_tokens: Vec::new(),
            tenant_name_prefix: "sim-tenant".to_owned(),
            typed_share: 0.0,
            on_demand_share: 0.1,
            ramp_up: Duration::from_secs(30),
            max_in_flight: 64,
            connections: 32,
            request_timeout: Duration::from_secs(30),
            behaviour: Behaviour::default(),
            cloud: CloudConfig::default(),
        }
    }
}

impl FleetConfig {
    /// Rejects configurations that cannot run.
    pub fn validate(&self) -> Result<(), SimError> {
        let bad = |m: &str| Err(SimError::InvalidConfig(m.to_owned()));
        if self.tenants == 0 && self.tenant_tokens.is_empty() {
            return bad("a fleet needs at least one tenant");
        }
        if self.tenant_tokens.is_empty() && self.admin_token.is_none() {
            return bad("give tenant_tokens or an admin_token to create tenants with");
        }
        if !(0.0..=1.0).contains(&self.typed_share) || !(0.0..=1.0).contains(&self.on_demand_share) {
            return bad("typed_share and on_demand_share must be in [0, 1]");
        }
        if self.max_in_flight == 0 {
            return bad("max_in_flight must be at least 1");
        }
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://")) {
            return bad("base_url must start with http:// or https://");
        }
        super::http::base_url(&self.base_url)?;
        if !self.speed.is_finite() || self.speed <= 0.0 {
            return bad("speed must be positive");
        }
        self.cloud.validate()
    }

    /// The number of tenants the fleet uses.
    pub fn tenant_count(&self) -> usize {
        if self.tenant_tokens.is_empty() { self.tenants } else { self.tenant_tokens.len() }
    }
}
