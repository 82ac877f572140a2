//! Seeded, reproducible randomness. A [`SimRng`] is xoshiro256** seeded
//! through SplitMix64; independent streams are derived from
//! `(seed, domain, index)` so a pool's price trace or an agent's jitter never
//! depends on how tasks were scheduled.

/// One step of SplitMix64: a good 64-bit mixer for seeding and hashing.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Mixes several words into one (order-sensitive); used to derive stream
/// seeds and deterministic identifiers.
pub fn mix(parts: &[u64]) -> u64 {
    let mut state = 0x243F_6A88_85A3_08D3_u64;
    let mut out = 0;
    for &p in parts {
        state ^= p;
        out = splitmix64(&mut state);
    }
    out
}

/// Domains of derived streams, so e.g. pool 3 and agent 3 get unrelated draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u64)]
pub enum Stream {
    /// Pool parameters and price trace of pool `index`.
    Pool = 1,
    /// Per-AZ mass-event schedule.
    Az = 2,
    /// The fate (boot time, interruption) of an instance keyed by its launch key.
    Instance = 3,
    /// The behaviour (jitter, choices) of the agent process with this key.
    Agent = 4,
    /// Fleet population (placement of the initial instances).
    Population = 5,
}

/// xoshiro256**: fast, small state, good statistical quality.
#[derive(Debug, Clone)]
pub struct SimRng {
    s: [u64; 4],
}

impl SimRng {
    /// A generator seeded from one word.
    pub fn seed_from(seed: u64) -> Self {
        let mut sm = seed;
        let mut s = [splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm)];
        if s == [0; 4] {
            s[0] = 1;
        }
        SimRng { s }
    }

    /// The independent stream `(seed, domain, index)`.
    pub fn stream(seed: u64, domain: Stream, index: u64) -> Self {
        Self::seed_from(mix(&[seed, domain as u64, index]))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)` (returns `lo` when the range is empty).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        if hi <= lo { lo } else { lo + (hi - lo) * self.unit() }
    }

    /// Uniform integer in `[0, n)` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        // Multiply-shift: negligible bias for the small ranges used here.
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Exponentially distributed with the given rate (per unit); infinite
    /// when the rate is not positive.
    pub fn exp(&mut self, rate: f64) -> f64 {
        if rate <= 0.0 || !rate.is_finite() {
            return f64::INFINITY;
        }
        -(1.0 - self.unit()).ln() / rate
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// `n` lowercase hex digits (n <= 32).
    pub fn hex(&mut self, n: usize) -> String {
        let wide = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        let s = format!("{wide:032x}");
        s.chars().take(n).collect()
    }

    /// A random (version 4 layout) UUID, for request ids.
    pub fn uuid(&mut self) -> uuid::Uuid {
        let raw = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        uuid::Builder::from_random_bytes(raw.to_be_bytes()).into_uuid()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn draws(seed: u64, domain: Stream, index: u64) -> Vec<u64> {
        let mut r = SimRng::stream(seed, domain, index);
        (0..8).map(|_| r.next_u64()).collect()
    }

    #[test]
    fn streams_are_reproducible_and_independent() {
        assert_eq!(draws(7, Stream::Pool, 3), draws(7, Stream::Pool, 3));
        assert_ne!(draws(7, Stream::Pool, 3), draws(7, Stream::Agent, 3));
        assert_ne!(draws(7, Stream::Pool, 3), draws(8, Stream::Pool, 3));
        assert_ne!(draws(7, Stream::Pool, 3), draws(7, Stream::Pool, 4));
    }

    #[test]
    fn distributions_stay_in_range() {
        let mut r = SimRng::seed_from(42);
        let mut sum = 0.0;
        for _ in 0..10_000 {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            let x = r.uniform(30.0, 90.0);
            assert!((30.0..90.0).contains(&x));
            assert!(r.below(6) < 6);
            let e = r.exp(2.0);
            assert!(e >= 0.0);
            sum += e;
        }
        let mean = sum / 10_000.0;
        assert!((0.45..0.55).contains(&mean), "exp(2) mean {mean}");
        assert_eq!(r.hex(17).len(), 17);
        assert_eq!(r.uuid().get_version_num(), 4);
    }
}
