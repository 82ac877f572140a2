//! Spot pools (`<instance-type>.<az>`) and their price process: an
//! Ornstein-Uhlenbeck walk of the log price around a per-pool mean below
//! on-demand, with occasional spikes, clamped to `[floor, cap]`.

use crate::rng::{SimRng, Stream};
use std::fmt;
use std::time::Duration;

/// A spot pool id: instance type and AZ, written `<type>.<az>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PoolId {
    /// e.g. `m5.large`.
    pub instance_type: String,
    /// e.g. `us-east-1a`.
    pub az: String,
}

impl PoolId {
    /// Builds a pool id.
    pub fn new(instance_type: &str, az: &str) -> Self {
        PoolId { instance_type: instance_type.to_owned(), az: az.to_owned() }
    }

    /// Parses `<type>.<az>`; the AZ is the part after the last dot (types
    /// contain dots, AZs do not).
    pub fn parse(raw: &str) -> Option<Self> {
        let (ty, az) = raw.trim().rsplit_once('.')?;
        (!ty.is_empty() && !az.is_empty()).then(|| PoolId::new(ty, az))
    }
}

impl fmt::Display for PoolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.instance_type, self.az)
    }
}

/// Parameters of one pool's price process, drawn once from the pool stream.
#[derive(Debug, Clone)]
pub struct PriceModel {
    /// Long-run mean of the log price.
    pub log_mean: f64,
    /// Volatility per sqrt(hour).
    pub sigma: f64,
    /// Mean reversion per hour.
    pub theta: f64,
    /// Spike chance per tick.
    pub spike_chance: f64,
    /// Spike size range (log).
    pub spike_size: (f64, f64),
    /// Lowest price.
    pub floor: f64,
    /// Highest price (at most on-demand).
    pub cap: f64,
}

/// One pool: its parameters and the current state of its price trace.
#[derive(Debug, Clone)]
pub struct Pool {
    /// Position in the cloud's pool list (also the pool's stream index).
    pub index: usize,
    /// `<type>.<az>`.
    pub id: PoolId,
    /// On-demand price of the instance type.
    pub on_demand: f64,
    /// Range this pool's boot times fall in.
    pub boot: (Duration, Duration),
    /// Interruption rate per instance and hour.
    pub interruption_rate_per_hour: f64,
    /// Price process parameters.
    pub model: PriceModel,
    log_price: f64,
    price: f64,
    rng: SimRng,
}

/// Rounds to the 1/10000 USD steps AWS quotes spot prices in.
fn quote(p: f64) -> f64 {
    (p * 10_000.0).round() / 10_000.0
}

impl Pool {
    /// Creates pool `index` from its own stream, at its mean price.
    pub(crate) fn new(seed: u64, index: usize, id: PoolId, on_demand: f64, cfg: &super::CloudConfig) -> Self {
        let mut rng = SimRng::stream(seed, Stream::Pool, index as u64);
        let discount = rng.uniform(cfg.spot_discount.0, cfg.spot_discount.1);
        let (lo, hi) = (cfg.boot_time.0.as_secs_f64(), cfg.boot_time.1.as_secs_f64());
        let mid = (lo + hi) / 2.0;
        let boot =
            (Duration::from_secs_f64(rng.uniform(lo, mid)), Duration::from_secs_f64(rng.uniform(mid, hi)));
        let (rlo, rhi) = cfg.interruption_rate_per_hour;
        // Log-uniform: most pools are calm, a few are hot.
        let rate = if rlo > 0.0 {
            (rlo.ln() + (rhi.ln() - rlo.ln()) * rng.unit()).exp()
        } else {
            rng.uniform(rlo, rhi)
        };
        let cap = on_demand * cfg.price_cap_ratio;
        let floor = (on_demand * 0.02).max(0.0001).min(cap);
        let log_mean = (on_demand * discount).ln();
        let model = PriceModel {
            log_mean,
            sigma: cfg.volatility,
            theta: cfg.reversion_per_hour,
            spike_chance: cfg.spike_chance_per_tick,
            spike_size: cfg.spike_size,
            floor,
            cap,
        };
        let price = quote(log_mean.exp().clamp(floor, cap));
        Pool {
            index,
            id,
            on_demand,
            boot,
            interruption_rate_per_hour: rate,
            model,
            log_price: log_mean,
            price,
            rng,
        }
    }

    /// The current spot price.
    pub fn price(&self) -> f64 {
        self.price
    }

    /// Advances the trace by one tick of `dt`; returns the new price if it
    /// changed (at quote precision).
    pub(crate) fn step(&mut self, dt: Duration) -> Option<f64> {
        let m = &self.model;
        let hours = dt.as_secs_f64() / 3600.0;
        let mut x = self.log_price
            + m.theta * hours * (m.log_mean - self.log_price)
            + m.sigma * hours.sqrt() * self.rng.normal();
        if self.rng.chance(m.spike_chance) {
            x += self.rng.uniform(m.spike_size.0, m.spike_size.1);
        }
        // Keep the state inside the clamp so a spike at the cap does not
        // stick there for hours.
        self.log_price = x.clamp(m.floor.ln(), m.cap.ln());
        let price = quote(self.log_price.exp()).clamp(m.floor, m.cap);
        if (price - self.price).abs() > f64::EPSILON {
            self.price = price;
            return Some(price);
        }
        None
    }

    /// Draws a boot time from this pool's range (triangular around the middle).
    pub(crate) fn draw_boot(&self, rng: &mut SimRng) -> Duration {
        let (lo, hi) = (self.boot.0.as_secs_f64(), self.boot.1.as_secs_f64());
        let u = (rng.unit() + rng.unit()) / 2.0;
        Duration::from_secs_f64(lo + (hi - lo) * u)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn pool_ids_round_trip() {
        let p = PoolId::parse("m5.large.us-east-1a").unwrap();
        assert_eq!(p, PoolId::new("m5.large", "us-east-1a"));
        assert_eq!(p.to_string(), "m5.large.us-east-1a");
        assert!(PoolId::parse("nodot").is_none());
        assert!(PoolId::parse(".us-east-1a").is_none());
    }

    #[test]
    fn quotes_are_whole_ten_thousandths() {
        assert_eq!(quote(0.012_349), 0.0123);
        assert_eq!(quote(0.012_36), 0.0124);
    }
}
