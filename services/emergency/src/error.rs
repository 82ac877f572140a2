//! Errors of the emergency service and their gRPC form: a status code plus
//! a stable machine code in the `spot-error-code` metadata entry.

use tonic::Status;

pub const ERROR_CODE_KEY: &str = "spot-error-code";

#[derive(Debug, thiserror::Error)]
pub enum EmergencyError {
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// Lifecycle answered with an error (its code is kept).
    #[error("lifecycle: {0}")]
    Lifecycle(Status),
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

impl From<EmergencyError> for Status {
    fn from(e: EmergencyError) -> Self {
        let (mut status, code) = match &e {
            EmergencyError::Invalid(m) => (Status::invalid_argument(m.clone()), "invalid_field"),
            EmergencyError::NotFound(what) => (Status::not_found(format!("{what} not found")), "not_found"),
            EmergencyError::Lifecycle(s) => return s.clone(),
            EmergencyError::Internal(m) => {
                tracing::error!(error = %m, "emergency internal error");
                (Status::internal("emergency internal error"), "internal")
            }
            EmergencyError::Db(err) => {
                tracing::error!(error = %err, "emergency database error");
                (Status::unavailable("emergency store unavailable"), "dependency_unavailable")
            }
        };
        if let Ok(v) = code.parse() {
            status.metadata_mut().insert(ERROR_CODE_KEY, v);
        }
        status
    }
}
