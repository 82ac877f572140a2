//! Errors of the emergency service, mapped once to gRPC through the shared
//! error contract (`spot_contracts::ServiceError`): a status code plus a
//! stable machine code in the `spot-error-code` metadata entry.

use spot_contracts::{ErrorCode, ServiceError};
use tonic::Status;

#[derive(Debug, thiserror::Error)]
pub enum EmergencyError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Lifecycle answered with an error (its code is passed on unchanged).
    #[error("lifecycle: {0}")]
    Lifecycle(ServiceError),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    /// A task of this service stopped (a panic): a defect, logged.
    #[error("internal: {0}")]
    Internal(String),
}

pub type Result<T> = std::result::Result<T, EmergencyError>;

impl EmergencyError {
    pub fn invalid(m: impl Into<String>) -> Self {
        Self::Invalid(m.into())
    }
}

impl From<EmergencyError> for ServiceError {
    fn from(e: EmergencyError) -> Self {
        match e {
            EmergencyError::Invalid(m) => ServiceError::new(ErrorCode::INVALID_FIELD, m),
            EmergencyError::NotFound("agent") => {
                ServiceError::new(ErrorCode::AgentNotFound, "agent not found")
            }
            EmergencyError::NotFound(what) => {
                ServiceError::new(ErrorCode::NotFound, format!("{what} not found"))
            }
            EmergencyError::Lifecycle(e) => e,
            EmergencyError::Internal(m) => {
                tracing::error!(error = %m, "emergency internal error");
                ServiceError::new(ErrorCode::Internal, "emergency internal error")
            }
            EmergencyError::Db(err) => {
                tracing::error!(error = %err, "emergency database error");
                ServiceError::new(ErrorCode::Unavailable, "emergency store unavailable")
            }
        }
    }
}

impl From<EmergencyError> for Status {
    fn from(e: EmergencyError) -> Self {
        ServiceError::from(e).into()
    }
}
