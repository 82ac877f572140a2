//! The decisions service's error type, mapped once to gRPC through the
//! shared error contract (`spot_contracts::ServiceError`): a status code plus
//! a stable machine code the gateway turns into its JSON error.

use spot_contracts::{ErrorCode, ServiceError};
use tonic::Status;

/// Every error a decisions call can return.
#[derive(Debug, thiserror::Error)]
pub enum DecisionsError {
    /// Bad input; `code` is stable (e.g. `invalid_field`, `not_onnx`).
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Conflicts with stored state (e.g. `duplicate_version`).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Lifecycle or pricing answered with an error.
    #[error("upstream: {0}")]
    Upstream(Status),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
}

pub type Result<T> = std::result::Result<T, DecisionsError>;

impl DecisionsError {
    pub fn invalid(code: &'static str, m: impl Into<String>) -> Self {
        Self::Invalid { code, message: m.into() }
    }

    pub fn conflict(code: &'static str, m: impl Into<String>) -> Self {
        Self::Conflict { code, message: m.into() }
    }
}

impl From<DecisionsError> for ServiceError {
    fn from(e: DecisionsError) -> Self {
        match e {
            DecisionsError::Invalid { code, message } => ServiceError::invalid(code, message),
            DecisionsError::NotFound(what) => ServiceError::not_found(what),
            DecisionsError::Conflict { code, message } => ServiceError::conflict(code, message),
            // The upstream's own code travels on (e.g. lifecycle's not_found).
            DecisionsError::Upstream(status) => ServiceError::from_status(&status),
            DecisionsError::Db(err) => {
                tracing::error!(error = %err, "decisions database error");
                ServiceError::new(ErrorCode::Unavailable, "decisions store unavailable")
            }
        }
    }
}

impl From<DecisionsError> for Status {
    fn from(e: DecisionsError) -> Self {
        ServiceError::from(e).into()
    }
}
