//! Timestamps in the three shapes agent v4 sends (agent-protocol.md, General):
//! naive UTC (`2026-11-22T10:28:24.885519`), UTC with `Z`, and RFC 3339 with an
//! offset. Everything is stored as UTC.

use chrono::{DateTime, NaiveDateTime, Utc};

/// The text was not a timestamp in any accepted shape.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an ISO-8601 timestamp: {0:?}")]
pub struct TimestampError(pub String);

/// Parses an agent timestamp; a value without zone is taken as UTC.
pub fn parse_agent_timestamp(raw: &str) -> Result<DateTime<Utc>, TimestampError> {
    let s = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(t.and_utc());
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
}
