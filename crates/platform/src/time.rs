//! The one place wire timestamps (`prost_types::Timestamp`) and chrono's
//! `DateTime<Utc>` are converted, so every service rounds the same way.

use chrono::{DateTime, Utc};
use spot_contracts::Timestamp;

/// A chrono instant as a wire timestamp.
pub fn to_wire(t: DateTime<Utc>) -> Timestamp {
    Timestamp::from(std::time::SystemTime::from(t))
}

/// The current instant as a wire timestamp (the `occurred_at` of events).
pub fn now_wire() -> Timestamp {
    Timestamp::from(std::time::SystemTime::now())
}

/// A wire timestamp as a chrono instant. Out-of-range nanoseconds are
/// clamped into the second; seconds chrono cannot represent give `None`.
pub fn from_wire(t: &Timestamp) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp(t.seconds, t.nanos.clamp(0, 999_999_999).unsigned_abs())
}

/// An optional wire field as an optional instant (absent stays absent).
pub fn from_wire_opt(t: &Option<Timestamp>) -> Option<DateTime<Utc>> {
    t.as_ref().and_then(from_wire)
}

/// When an event happened: its meta's `occurred_at`, or now when the event
/// carries no (representable) time.
pub fn occurred_at(meta: &Option<spot_contracts::v1::EventMeta>) -> DateTime<Utc> {
    meta.as_ref().and_then(|m| from_wire_opt(&m.occurred_at)).unwrap_or_else(Utc::now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_nanoseconds() {
        let t = DateTime::<Utc>::from_timestamp(1_700_000_000, 123_456_789);
        assert_eq!(t.map(to_wire).as_ref().and_then(from_wire), t);
    }

    #[test]
    fn bad_nanoseconds_are_clamped_and_absent_stays_absent() {
        let t = Timestamp { seconds: 10, nanos: -5 };
        assert_eq!(from_wire(&t), DateTime::<Utc>::from_timestamp(10, 0));
        assert_eq!(from_wire_opt(&None), None);
    }

    #[test]
    fn an_event_without_time_happened_now() {
        let t = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let meta = spot_contracts::v1::EventMeta { occurred_at: Some(to_wire(t)), ..Default::default() };
        assert_eq!(occurred_at(&Some(meta)), t);
        let before = Utc::now();
        assert!(occurred_at(&None) >= before);
        assert!(occurred_at(&Some(spot_contracts::v1::EventMeta::default())) >= before);
    }
}
