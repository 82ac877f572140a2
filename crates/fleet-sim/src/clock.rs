//! Simulation time: a point on the simulated timeline ([`SimTime`]) and the
//! clock that maps it to real time with a speed factor ([`SimClock`]).
//!
//! Everything that decides (cloud processes, agent timers) takes a `SimTime`
//! as an argument; only the fleet driver reads the clock. That keeps the
//! decision logic deterministic and testable without sleeping.

use crate::error::SimError;
use chrono::{DateTime, Utc};
use std::ops::Add;
use std::time::Duration;

/// A point in simulated time: microseconds since the simulation started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(u64);

impl SimTime {
    /// The start of the simulation.
    pub const ZERO: SimTime = SimTime(0);

    /// From microseconds since the start.
    pub const fn from_micros(micros: u64) -> Self {
        SimTime(micros)
    }

    /// From whole seconds since the start.
    pub const fn from_secs(secs: u64) -> Self {
        SimTime(secs.saturating_mul(1_000_000))
    }

    /// From fractional seconds since the start (negative and NaN clamp to 0).
    pub fn from_secs_f64(secs: f64) -> Self {
        let micros = (secs * 1e6).round();
        // `as` saturates for out-of-range floats and maps NaN to 0.
        SimTime(if micros > 0.0 { micros as u64 } else { 0 })
    }

    /// Microseconds since the start.
    pub const fn as_micros(self) -> u64 {
        self.0
    }

    /// Seconds since the start.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e6
    }

    /// Time elapsed from `earlier` to `self` (zero if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> Duration {
        Duration::from_micros(self.0.saturating_sub(earlier.0))
    }
}

impl Add<Duration> for SimTime {
    type Output = SimTime;
    fn add(self, d: Duration) -> SimTime {
        let micros = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        SimTime(self.0.saturating_add(micros))
    }
}

/// Maps simulated time to wall-clock time. `speed` 1.0 is real time; 60.0
/// runs one simulated minute per real second. The simulated timeline starts
/// at `epoch` (a UTC instant, by default the moment the clock was made), so
/// timestamps the agents send read as plausible UTC times.
#[derive(Debug, Clone)]
pub struct SimClock {
    epoch: DateTime<Utc>,
    speed: f64,
    started: tokio::time::Instant,
}

impl SimClock {
    /// A clock starting now, at wall-clock UTC now.
    pub fn new(speed: f64) -> Result<Self, SimError> {
        Self::with_epoch(Utc::now(), speed)
    }

    /// A clock whose simulated timeline starts at `epoch` (fixed epochs make
    /// timestamps reproducible in tests).
    pub fn with_epoch(epoch: DateTime<Utc>, speed: f64) -> Result<Self, SimError> {
        if !speed.is_finite() || speed <= 0.0 || speed > 1e6 {
            return Err(SimError::InvalidConfig(format!("speed must be in (0, 1e6], got {speed}")));
        }
        Ok(SimClock { epoch, speed, started: tokio::time::Instant::now() })
    }

    /// The speed factor.
    pub fn speed(&self) -> f64 {
        self.speed
    }

    /// The UTC instant at which simulated time starts.
    pub fn epoch(&self) -> DateTime<Utc> {
        self.epoch
    }

    /// The current simulated time.
    pub fn now(&self) -> SimTime {
        SimTime::from_secs_f64(self.started.elapsed().as_secs_f64() * self.speed)
    }

    /// The UTC timestamp of a simulated instant.
    pub fn utc(&self, t: SimTime) -> DateTime<Utc> {
        let micros = i64::try_from(t.as_micros()).unwrap_or(i64::MAX);
        self.epoch + chrono::TimeDelta::microseconds(micros)
    }

    /// The real instant at which simulated time reaches `t`.
    pub fn instant_at(&self, t: SimTime) -> tokio::time::Instant {
        self.started + Duration::from_secs_f64((t.as_secs_f64() / self.speed).min(1e9))
    }

    /// How long a simulated duration takes in real time.
    pub fn real(&self, simulated: Duration) -> Duration {
        Duration::from_secs_f64((simulated.as_secs_f64() / self.speed).min(1e9))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn sim_time_arithmetic() {
        let t = SimTime::from_secs(30) + Duration::from_millis(1500);
        assert_eq!(t.as_micros(), 31_500_000);
        assert_eq!(t.since(SimTime::from_secs(1)), Duration::from_micros(30_500_000));
        assert_eq!(SimTime::from_secs(1).since(t), Duration::ZERO);
        assert_eq!(SimTime::from_secs_f64(-3.0), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(f64::NAN), SimTime::ZERO);
    }

    #[test]
    fn clock_maps_speed_and_epoch() {
        let epoch = DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z").unwrap().with_timezone(&Utc);
        let clock = SimClock::with_epoch(epoch, 60.0).unwrap();
        assert_eq!(clock.utc(SimTime::from_secs(90)).to_rfc3339(), "2026-11-22T10:01:30+00:00");
        assert_eq!(clock.real(Duration::from_secs(60)), Duration::from_secs(1));
        assert!(SimClock::with_epoch(epoch, 0.0).is_err());
        assert!(SimClock::with_epoch(epoch, f64::INFINITY).is_err());
    }
}
