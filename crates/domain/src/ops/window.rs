//! Analytics windows such as `24h`, `7d`, `90m`: a positive whole number and
//! a unit, at most a year (longer windows scan more than an operator needs).

use chrono::Duration;

/// Longest window accepted.
pub const MAX_DAYS: i64 = 366;

/// Why a window was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("window must look like 30m, 24h or 7d (at most {MAX_DAYS} days)")]
pub struct WindowError;

/// A validated window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window(Duration);

impl Window {
    /// `None` is the default (24 h).
    pub fn parse(raw: Option<&str>) -> Result<Self, WindowError> {
        let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
            return Ok(Self(Duration::hours(24)));
        };
        let split = raw.len() - 1;
        let (number, unit) = (raw.get(..split).ok_or(WindowError)?, raw.get(split..).ok_or(WindowError)?);
        let n: i64 = number.parse().map_err(|_| WindowError)?;
        if n <= 0 {
            return Err(WindowError);
        }
        let minutes = match unit {
            "m" => n,
            "h" => n.checked_mul(60).ok_or(WindowError)?,
            "d" => n.checked_mul(1440).ok_or(WindowError)?,
            _ => return Err(WindowError),
        };
        if minutes > MAX_DAYS * 1440 {
            return Err(WindowError);
        }
        Ok(Self(Duration::minutes(minutes)))
    }

    pub fn duration(self) -> Duration {
        self.0
    }

    /// Length in (possibly fractional) days, for per-day rates.
    pub fn days(self) -> f64 {
        self.0.num_minutes() as f64 / 1440.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units_and_bounds() {
        assert_eq!(Window::parse(None).map(|w| w.duration()), Ok(Duration::hours(24)));
        assert_eq!(Window::parse(Some("90m")).map(|w| w.duration()), Ok(Duration::minutes(90)));
        assert_eq!(Window::parse(Some("7d")).map(|w| w.days()), Ok(7.0));
        assert_eq!(Window::parse(Some("366d")).map(|w| w.days()), Ok(366.0));
        for bad in ["0h", "-1d", "367d", "h", "10", "1w", "1.5h", "é", "99999999999999999d"] {
            assert_eq!(Window::parse(Some(bad)), Err(WindowError), "{bad}");
        }
    }
}
