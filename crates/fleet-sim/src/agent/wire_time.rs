//! The three timestamp spellings of agent v4 (agent-protocol.md, General):
//! naive UTC `isoformat()` for most fields, the same with a trailing `Z` for
//! switch timings, and whole seconds with `Z` for IMDS `termination_time`.

use chrono::{DateTime, Timelike, Utc};

/// Python `datetime.utcnow().isoformat()`: `2026-11-22T10:28:24.885519`, and
/// no fraction at all when the microseconds are zero (as Python does).
pub fn naive(t: DateTime<Utc>) -> String {
    let micros = t.nanosecond() / 1000 % 1_000_000;
    if micros == 0 {
        t.format("%Y-%m-%dT%H:%M:%S").to_string()
    } else {
        format!("{}.{micros:06}", t.format("%Y-%m-%dT%H:%M:%S"))
    }
}

/// Switch timings: the naive form plus `Z` (`2026-11-22T10:33:29.737400Z`).
pub fn zulu(t: DateTime<Utc>) -> String {
    format!("{}Z", naive(t))
}

/// IMDS `spot/instance-action` time: `2026-11-22T10:34:16Z`.
pub fn imds(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn spellings_match_the_captures() {
        assert_eq!(naive(at("2026-11-22T10:28:24.885519Z")), "2026-11-22T10:28:24.885519");
        assert_eq!(zulu(at("2026-11-22T10:33:29.7374Z")), "2026-11-22T10:33:29.737400Z");
        assert_eq!(imds(at("2026-11-22T10:34:16.5Z")), "2026-11-22T10:34:16Z");
        assert_eq!(naive(at("2026-11-22T10:00:00Z")), "2026-11-22T10:00:00");
    }
}
