//! Per-tenant and per-agent request rates (docs/HARDENING.md, "Rate
//! limits"): a token bucket per key (`governor`, generic cell rate
//! algorithm), checked where a request's tenant and agent are resolved, so
//! a refusal costs no database work. Over the rate: 429 `rate_limited`
//! with `Retry-After` in whole seconds. Each gateway replica counts on its
//! own (N replicas let a tenant through N times the rate).

use crate::error::ApiError;
use crate::http::limits::LimitSettings;
use governor::clock::{Clock, DefaultClock};
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

type Keyed = RateLimiter<Uuid, DefaultKeyedStateStore<Uuid>, DefaultClock>;

/// How often idle buckets are dropped (a full bucket holds no information).
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// The two keyed limiters.
#[derive(Debug, Clone)]
pub struct RateLimits {
    tenants: Arc<Keyed>,
    agents: Arc<Keyed>,
    clock: DefaultClock,
}

fn quota(per_sec: u32, burst: u32) -> Quota {
    let per_sec = NonZeroU32::new(per_sec).unwrap_or(NonZeroU32::MIN);
    Quota::per_second(per_sec).allow_burst(NonZeroU32::new(burst).unwrap_or(per_sec))
}

impl RateLimits {
    /// Limiters with the settings' quotas.
    pub fn new(limits: &LimitSettings) -> Self {
        let clock = DefaultClock::default();
        Self {
            tenants: Arc::new(RateLimiter::dashmap_with_clock(
                quota(limits.tenant_per_sec, limits.tenant_burst),
                clock.clone(),
            )),
            agents: Arc::new(RateLimiter::dashmap_with_clock(
                quota(limits.agent_per_sec, limits.agent_burst),
                clock.clone(),
            )),
            clock,
        }
    }

    fn check(&self, limiter: &Keyed, key: Uuid) -> Result<(), ApiError> {
        limiter.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            ApiError::RateLimited { retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0) }
        })
    }

    /// Counts one request of a tenant.
    pub fn tenant(&self, tenant: Uuid) -> Result<(), ApiError> {
        self.check(&self.tenants, tenant)
    }

    /// Counts one request naming an agent.
    pub fn agent(&self, agent: Uuid) -> Result<(), ApiError> {
        self.check(&self.agents, agent)
    }

    /// Drops buckets that refilled (idle keys), so memory follows the active
    /// fleet, not every agent ever seen.
    pub fn prune(&self) {
        for limiter in [&self.tenants, &self.agents] {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// Prunes every [`PRUNE_EVERY`] until shutdown.
    pub async fn run_pruning(self, shutdown: spot_platform::Shutdown) {
        let mut tick = tokio::time::interval(PRUNE_EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => self.prune(),
                () = shutdown.wait() => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(per_sec: u32, burst: u32) -> LimitSettings {
        LimitSettings {
            tenant_per_sec: per_sec,
            tenant_burst: burst,
            agent_per_sec: per_sec,
            agent_burst: burst,
            ..LimitSettings::tiny()
        }
    }

    #[test]
    fn a_burst_passes_then_429_with_a_retry_after() {
        let rates = RateLimits::new(&limits(1, 3));
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        for _ in 0..3 {
            assert!(rates.tenant(a).is_ok());
        }
        let refused = rates.tenant(a);
        assert!(matches!(refused, Err(ApiError::RateLimited { retry_after_secs: 1 })), "{refused:?}");
        // Keys are independent, and tenants and agents are separate buckets.
        assert!(rates.tenant(b).is_ok());
        assert!(rates.agent(a).is_ok());
        rates.prune();
    }
}
