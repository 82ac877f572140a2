//! The pricing service's error type, mapped once to gRPC through the shared
//! error contract (`spot_contracts::ServiceError`).

use spot_contracts::{ErrorCode, ServiceError};
use tonic::Status;

/// Every error a pricing call can return.
#[derive(Debug, thiserror::Error)]
pub enum PricingError {
    /// Bad input: 400.
    #[error("{0}")]
    Invalid(String),
    /// Database failure: 500, details only in the log.
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    /// A consolidation run failed: 500, details only in the log.
    #[error("{0}")]
    Internal(String),
}

impl PricingError {
    /// Shorthand for a 400.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }

    /// Wraps any failure as internal.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<PricingError> for ServiceError {
    fn from(e: PricingError) -> Self {
        match e {
            PricingError::Invalid(message) => ServiceError::new(ErrorCode::INVALID_FIELD, message),
            PricingError::Db(cause) if spot_platform::store::is_unavailable(&cause) => {
                tracing::warn!(error = %cause, "pricing database unavailable");
                ServiceError::new(ErrorCode::Unavailable, "pricing store unavailable")
            }
            PricingError::Db(cause) => internal(&cause),
            PricingError::Internal(cause) => internal(&cause),
        }
    }
}

/// A failure whose details stay in the log.
fn internal(cause: &dyn std::fmt::Display) -> ServiceError {
    tracing::error!(error = %cause, "pricing gRPC internal error");
    ServiceError::new(ErrorCode::Internal, "internal error")
}

impl From<PricingError> for Status {
    fn from(e: PricingError) -> Self {
        ServiceError::from(e).into()
    }
}

/// Result alias.
pub type Result<T> = std::result::Result<T, PricingError>;
