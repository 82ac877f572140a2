//! Timestamps in the three shapes agent v4 sends (agent-protocol.md, General):
//! naive UTC (`2026-11-22T10:28:24.885519`), UTC with `Z`, and RFC 3339 with an
//! offset. Everything is stored as UTC, from year 1 to 9999 (see [`YEARS`]).

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use std::ops::RangeInclusive;

/// The text was not a timestamp in any accepted shape, or not within [`YEARS`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an ISO-8601 timestamp from year 1 to 9999 (UTC): {0:?}")]
pub struct TimestampError(pub String);

/// The UTC years a timestamp may fall in: the range of the wire's
/// `google.protobuf.Timestamp`, and the four-digit years RFC 3339 can write.
/// Without it `-202026-11-22T12:08:24` (a signed year chrono reads) was
/// accepted and answered back as text no parser takes (docs/FUZZING.md).
pub const YEARS: RangeInclusive<i32> = 1..=9999;

/// Parses an agent timestamp; a value without zone is taken as UTC.
pub fn parse_agent_timestamp(raw: &str) -> Result<DateTime<Utc>, TimestampError> {
    let s = raw.trim();
    let within = |t: DateTime<Utc>| {
        if YEARS.contains(&t.year()) { Ok(t) } else { Err(TimestampError(raw.to_owned())) }
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return within(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return within(t.and_utc());
        }
    }
    Err(TimestampError(raw.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn accepts_the_three_agent_shapes() {
        let naive = parse_agent_timestamp("2026-11-22T10:28:24.885519").ok();
        let zulu = parse_agent_timestamp("2026-11-22T10:28:24.885519Z").ok();
        assert_eq!(naive, zulu);
        let imds = parse_agent_timestamp("2026-11-22T10:30:00Z").ok();
        assert_eq!(imds, Utc.with_ymd_and_hms(2026, 11, 22, 10, 30, 0).single());
        let offset = parse_agent_timestamp("2026-11-22T11:30:00+01:00").ok();
        assert_eq!(offset, imds);
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_agent_timestamp("yesterday").is_err());
        assert!(parse_agent_timestamp("").is_err());
    }

    /// Found by the `timestamp` fuzz target (docs/FUZZING.md).
    #[test]
    fn rejects_years_the_wire_cannot_carry() {
        for raw in [
            "-202026-11-22T12:08:24.822855149",
            "+12345-01-01T00:00:00",
            "0000-12-31 23:59:59",
            "0001-01-01T00:30:00+01:00",
            "9999-12-31T23:00:00-05:00",
        ] {
            assert_eq!(parse_agent_timestamp(raw), Err(TimestampError(raw.to_owned())), "{raw}");
        }
        let first = parse_agent_timestamp("0001-01-01T00:00:00Z").ok();
        assert_eq!(first, Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).single());
        let last = parse_agent_timestamp("9999-12-31T23:59:59.999999999").ok();
        assert_eq!(last.map(|t| t.year()), Some(9999));
        let shown = last.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
        assert_eq!(shown.as_deref().map(parse_agent_timestamp).and_then(Result::ok), last);
    }
}
