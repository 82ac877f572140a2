//! The life of one webhook delivery: `pending` until an attempt succeeds
//! (`delivered`) or the attempts run out (`dead`, the dead-letter state).
//! Between attempts the wait doubles from `base` up to `cap`.

use std::time::Duration;

/// Stored state of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Given up after the last attempt (or the receiver answered 410 Gone).
    Dead,
}

impl DeliveryStatus {
    /// The stored and wire spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Dead => "dead",
        }
    }

    /// Parses the spelling of [`DeliveryStatus::as_str`].
    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Dead].into_iter().find(|s| s.as_str() == raw)
    }
}

/// What one attempt came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The receiver answered with this HTTP status.
    Answered(u16),
    /// No answer: connection refused, DNS, timeout.
    NoAnswer,
}

impl AttemptOutcome {
    fn succeeded(self) -> bool {
        matches!(self, Self::Answered(200..=299))
    }

    /// 410 Gone says the endpoint will never accept again: no retry.
    fn permanent_failure(self) -> bool {
        matches!(self, Self::Answered(410))
    }
}

/// When to try again, and when to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait after the first failed attempt.
    pub base: Duration,
    /// Longest wait between two attempts.
    pub cap: Duration,
    /// Attempts in all (the first one included) before the dead-letter state; at least 1.
    pub max_attempts: u32,
}

/// What the worker does after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep {
    /// Mark delivered.
    Delivered,
    /// Try again after this wait.
    RetryIn(Duration),
    /// Mark dead (dead-letter); no more attempts.
    DeadLetter,
}

impl RetryPolicy {
    /// Wait after the `failed`-th failed attempt (1-based): `base * 2^(failed-1)`, at most `cap`.
    pub fn delay_after(&self, failed: u32) -> Duration {
        let exponent = failed.saturating_sub(1).min(31);
        self.base.checked_mul(1u32 << exponent).map_or(self.cap, |d| d.min(self.cap))
    }

    /// Decides after attempt number `attempt` (1-based) ended with `outcome`.
    pub fn after_attempt(&self, attempt: u32, outcome: AttemptOutcome) -> NextStep {
        if outcome.succeeded() {
            NextStep::Delivered
        } else if outcome.permanent_failure() || attempt >= self.max_attempts.max(1) {
            NextStep::DeadLetter
        } else {
            NextStep::RetryIn(self.delay_after(attempt))
        }
    }

    /// Every wait of a delivery that always fails, in order (for docs and tests).
    pub fn schedule(&self) -> Vec<Duration> {
        (1..self.max_attempts.max(1)).map(|n| self.delay_after(n)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max_attempts: u32) -> RetryPolicy {
        RetryPolicy { base: Duration::from_secs(1), cap: Duration::from_secs(60), max_attempts }
    }

    #[test]
    fn waits_double_up_to_the_cap() {
        let secs: Vec<u64> = policy(9).schedule().iter().map(Duration::as_secs).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(policy(1).schedule(), Vec::<Duration>::new());
        // Huge attempt numbers never overflow.
        assert_eq!(policy(3).delay_after(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn a_2xx_delivers_whatever_the_attempt() {
        for code in [200, 201, 204, 299] {
            assert_eq!(policy(3).after_attempt(3, AttemptOutcome::Answered(code)), NextStep::Delivered);
        }
    }

    #[test]
    fn failures_retry_until_the_last_attempt_then_dead_letter() {
        let p = policy(3);
        let fail = AttemptOutcome::Answered(500);
        assert_eq!(p.after_attempt(1, fail), NextStep::RetryIn(Duration::from_secs(1)));
        assert_eq!(p.after_attempt(2, AttemptOutcome::NoAnswer), NextStep::RetryIn(Duration::from_secs(2)));
        assert_eq!(p.after_attempt(3, fail), NextStep::DeadLetter);
        assert_eq!(p.after_attempt(4, fail), NextStep::DeadLetter);
        // 3xx and 4xx are failures too (a receiver may be misconfigured for a while).
        assert_eq!(
            p.after_attempt(1, AttemptOutcome::Answered(404)),
            NextStep::RetryIn(Duration::from_secs(1))
        );
        assert_eq!(
            p.after_attempt(1, AttemptOutcome::Answered(302)),
            NextStep::RetryIn(Duration::from_secs(1))
        );
    }

    #[test]
    fn statuses_round_trip() {
        for s in [DeliveryStatus::Pending, DeliveryStatus::Delivered, DeliveryStatus::Dead] {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(DeliveryStatus::parse("sent"), None);
    }

    #[test]
    fn gone_is_final_and_zero_attempts_means_one() {
        assert_eq!(policy(5).after_attempt(1, AttemptOutcome::Answered(410)), NextStep::DeadLetter);
        assert_eq!(policy(0).after_attempt(1, AttemptOutcome::Answered(500)), NextStep::DeadLetter);
    }
}
