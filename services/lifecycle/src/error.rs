//! The lifecycle service's error type, mapped once to gRPC through the
//! shared error contract (`spot_contracts::ServiceError`): a status code plus
//! a stable machine code in the `spot-error-code` metadata entry, which the
//! gateway turns into its HTTP answer.

use spot_contracts::{ErrorCode, ServiceError};
use spot_domain::group::{SettingsError, TransitionError};
use tonic::Status;

/// Every error a lifecycle operation can return.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// Bad input: 400.
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// Unknown (or other tenant's) agent, command, replica: 404.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A state conflict (invalid transition, version mismatch): 409.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Database failure: 503 when the database is unreachable, else 500; details only in the log.
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

impl LifecycleError {
    /// Shorthand for a 400 with the generic field code.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid { code: "invalid_field", message: message.into() }
    }
}

impl From<TransitionError> for LifecycleError {
    fn from(e: TransitionError) -> Self {
        match e {
            TransitionError::SameInstance => Self::Invalid { code: e.code(), message: e.to_string() },
            _ => Self::Conflict { code: e.code(), message: e.to_string() },
        }
    }
}

impl From<SettingsError> for LifecycleError {
    fn from(e: SettingsError) -> Self {
        match e {
            SettingsError::AutoSwitchWithManualReplica => {
                Self::Conflict { code: e.code(), message: e.to_string() }
            }
            SettingsError::OutOfRange { .. } => Self::Invalid { code: e.code(), message: e.to_string() },
        }
    }
}

impl From<LifecycleError> for ServiceError {
    fn from(e: LifecycleError) -> Self {
        match e {
            LifecycleError::Invalid { code, message } => ServiceError::invalid(code, message),
            LifecycleError::NotFound("agent") => {
                ServiceError::new(ErrorCode::AgentNotFound, "agent not found")
            }
            LifecycleError::NotFound(what) => ServiceError::not_found(what),
            LifecycleError::Conflict { code, message } => ServiceError::conflict(code, message),
            // A unique or check violation that slipped past the domain checks is a conflict.
            LifecycleError::Db(db) if spot_platform::store::is_constraint_conflict(&db) => {
                tracing::warn!(error = %db, "constraint rejected a lifecycle write");
                ServiceError::new(ErrorCode::CONFLICT, "conflicting concurrent change, retry")
            }
            LifecycleError::Db(db) if spot_platform::store::is_unavailable(&db) => {
                tracing::warn!(error = %db, "lifecycle database unavailable");
                ServiceError::new(ErrorCode::Unavailable, "lifecycle store unavailable")
            }
            LifecycleError::Db(db) => {
                tracing::error!(error = %db, "lifecycle database error");
                ServiceError::new(ErrorCode::Internal, "internal error")
            }
        }
    }
}

impl From<LifecycleError> for Status {
    fn from(e: LifecycleError) -> Self {
        ServiceError::from(e).into()
    }
}

/// Result alias.
pub type Result<T> = std::result::Result<T, LifecycleError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_agents_carry_their_own_code() {
        let status = Status::from(LifecycleError::NotFound("agent"));
        assert_eq!(ServiceError::from_status(&status).code, ErrorCode::AgentNotFound);
        let status = Status::from(LifecycleError::NotFound("replica"));
        assert_eq!(ServiceError::from_status(&status).code, ErrorCode::NotFound);
        let status = Status::from(LifecycleError::Db(sea_orm::DbErr::Custom("boom".into())));
        assert_eq!(status.code(), tonic::Code::Internal);
        assert!(!status.message().contains("boom"));
    }
}
