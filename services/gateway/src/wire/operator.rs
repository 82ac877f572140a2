//! Query parameters of the operators' reports and analytics
//! (docs/OPERATORS_API.md).

use crate::error::ApiError;
use chrono::{DateTime, Utc};
use spot_domain::ops::Window;

/// Filters of the audit log and the other reports.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Only this group (UUID)
    pub group_id: Option<String>,
    /// Only this agent (UUID)
    pub agent_id: Option<String>,
    /// From (RFC 3339, inclusive)
    pub from: Option<String>,
    /// To (RFC 3339, exclusive)
    pub to: Option<String>,
    /// Admin token only: whose rows
    pub client_id: Option<String>,
    /// `json` (default) or `csv` (switch history only)
    pub format: Option<String>,
}

/// `?window=24h` (and `client_id` for the admin token).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WindowParams {
    /// `30m`, `24h`, `7d`...; default 24h, at most 366d
    pub window: Option<String>,
    /// Admin token only: whose figures
    pub client_id: Option<String>,
}

impl WindowParams {
    pub fn window(&self) -> Result<Window, ApiError> {
        Window::parse(self.window.as_deref())
            .map_err(|e| ApiError::Field { field: "window", message: e.to_string() })
    }
}

/// `?days=30` (and `client_id` for the admin token).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DaysParams {
    /// 1..366, default 30
    pub days: Option<i64>,
    /// Admin token only: whose series
    pub client_id: Option<String>,
}

impl DaysParams {
    pub fn days(&self) -> Result<i64, ApiError> {
        match self.days {
            None => Ok(30),
            Some(d) if (1..=366).contains(&d) => Ok(d),
            Some(_) => Err(ApiError::Field { field: "days", message: "must be between 1 and 366".into() }),
        }
    }
}

/// An optional UUID query parameter.
pub fn uuid_param(raw: Option<&str>, field: &'static str) -> Result<Option<String>, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => uuid::Uuid::try_parse(s)
            .map(|u| Some(u.to_string()))
            .map_err(|_| ApiError::Field { field, message: "is not a UUID".into() }),
    }
}

/// A protobuf timestamp of a time.
pub fn ts(t: DateTime<Utc>) -> spot_contracts::Timestamp {
    spot_contracts::Timestamp::from(std::time::SystemTime::from(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_checked_and_name_their_field() {
        assert!(matches!(uuid_param(Some("x"), "group_id"), Err(ApiError::Field { field: "group_id", .. })));
        assert_eq!(uuid_param(Some(" "), "group_id").ok(), Some(None));
        let days = |d| DaysParams { days: Some(d), client_id: None }.days();
        assert!(days(0).is_err() && days(367).is_err() && days(7).is_ok());
        let w = WindowParams { window: Some("2w".into()), client_id: None };
        assert!(matches!(w.window(), Err(ApiError::Field { field: "window", .. })));
    }
}
