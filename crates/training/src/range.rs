//! The export's time range `[from, to)`: RFC 3339 instants or dates
//! (midnight UTC), refused with a typed reason when unreadable, inverted
//! or empty (the gateway maps each to a stable code, spotctl prints it).

use chrono::{DateTime, NaiveDate, Utc};

/// A checked range: `from < to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// Why a range or an option was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    /// `from` or `to` is neither RFC 3339 nor `YYYY-MM-DD`.
    #[error("{field}: {raw:?} is neither RFC 3339 nor YYYY-MM-DD")]
    Unreadable { field: &'static str, raw: String },
    #[error("inverted range: to {to} is before from {from}")]
    Inverted { from: String, to: String },
    #[error("empty range: from and to are both {at}; to is exclusive")]
    Empty { at: String },
    #[error("bucket seconds must be in 1..=86400")]
    BucketSeconds,
    #[error("page rows must be at least 1")]
    PageRows,
}

impl RangeError {
    /// The stable code the gateway answers with.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreadable { .. } => "invalid_field",
            Self::Inverted { .. } => "inverted_range",
            Self::Empty { .. } => "empty_range",
            Self::BucketSeconds | Self::PageRows => "invalid_field",
        }
    }

    /// The parameter at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Unreadable { field, .. } => field,
            Self::Inverted { .. } | Self::Empty { .. } => "to",
            Self::BucketSeconds => "bucket_seconds",
            Self::PageRows => "page_rows",
        }
    }
}

/// Parses one end: RFC 3339, or `YYYY-MM-DD` (midnight UTC).
pub fn parse_instant(field: &'static str, raw: &str) -> Result<DateTime<Utc>, RangeError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .ok_or_else(|| RangeError::Unreadable { field, raw: raw.to_owned() })
}

impl Range {
    /// The range `[from, to)` of two raw ends.
    pub fn parse(from: &str, to: &str) -> Result<Self, RangeError> {
        let from = parse_instant("from", from)?;
        let to = parse_instant("to", to)?;
        Self::new(from, to)
    }

    /// Refuses `to < from` (inverted) and `to == from` (empty).
    pub fn new(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Self, RangeError> {
        if to < from {
            return Err(RangeError::Inverted { from: from.to_rfc3339(), to: to.to_rfc3339() });
        }
        if to == from {
            return Err(RangeError::Empty { at: from.to_rfc3339() });
        }
        Ok(Self { from, to })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_instants_parse_and_bad_ranges_are_refused_with_their_code() {
        let r = Range::parse("2026-11-01", "2026-11-01T00:20:00Z");
        assert_eq!(r.map(|r| (r.to - r.from).num_minutes()), Ok(20));
        let inverted = Range::parse("2026-11-02", "2026-11-01");
        assert_eq!(inverted.as_ref().map_err(RangeError::code), Err("inverted_range"));
        assert!(inverted.is_err_and(|e| e.to_string().contains("inverted range")));
        let empty = Range::parse("2026-11-01", "2026-11-01T00:00:00Z");
        assert_eq!(empty.as_ref().map_err(RangeError::code), Err("empty_range"));
        let bad = Range::parse("yesterday", "2026-11-01");
        assert_eq!(bad.as_ref().map_err(|e| (e.code(), e.field())), Err(("invalid_field", "from")));
    }
}
