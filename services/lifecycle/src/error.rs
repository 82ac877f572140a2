//! The lifecycle service's error type, mapped once to gRPC: a status code
//! plus a stable machine code in the `spot-error-code` metadata entry, which
//! the gateway turns into its HTTP answer.

use spot_domain::group::{SettingsError, TransitionError};
use tonic::Status;

/// Metadata key carrying the stable error code.
pub const ERROR_CODE_KEY: &str = "spot-error-code";

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
    /// Database failure: 500, details only in the log.
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
            TransitionError::UnknownInstance { .. } => {
                Self::Conflict { code: e.code(), message: e.to_string() }
            }
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

fn with_code(mut status: Status, code: &str) -> Status {
    if let Ok(value) = code.parse() {
        status.metadata_mut().insert(ERROR_CODE_KEY, value);
    }
    status
}

impl From<LifecycleError> for Status {
    fn from(e: LifecycleError) -> Self {
        match e {
            LifecycleError::Invalid { code, message } => with_code(Status::invalid_argument(message), code),
            LifecycleError::NotFound(what) => {
                with_code(Status::not_found(format!("{what} not found")), "not_found")
            }
            LifecycleError::Conflict { code, message } => {
                with_code(Status::failed_precondition(message), code)
            }
            LifecycleError::Db(db) => {
                // A unique or check violation that slipped past the domain checks is a conflict.
                let text = db.to_string();
                if text.contains("duplicate key") || text.contains("violates check constraint") {
                    tracing::warn!(error = %text, "constraint rejected a lifecycle write");
                    with_code(Status::failed_precondition("conflicting concurrent change, retry"), "conflict")
                } else {
                    tracing::error!(error = %text, "lifecycle database error");
                    with_code(Status::internal("internal error"), "internal_error")
                }
            }
        }
    }
}

/// Result alias.
pub type Result<T> = std::result::Result<T, LifecycleError>;
