//! Errors of the decisions service and their gRPC form: a status code plus a
//! stable machine code in the `spot-error-code` metadata entry, which the
//! gateway turns into its JSON error.

use tonic::Status;

pub const ERROR_CODE_KEY: &str = "spot-error-code";

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

impl From<DecisionsError> for Status {
    fn from(e: DecisionsError) -> Self {
        let (mut status, code) = match &e {
            DecisionsError::Invalid { code, message } => (Status::invalid_argument(message.clone()), *code),
            DecisionsError::NotFound(what) => (Status::not_found(format!("{what} not found")), "not_found"),
            DecisionsError::Conflict { code, message } => (Status::already_exists(message.clone()), *code),
            DecisionsError::Upstream(s) => return s.clone(),
            DecisionsError::Db(err) => {
                tracing::error!(error = %err, "decisions database error");
                (Status::unavailable("decisions store unavailable"), "dependency_unavailable")
            }
        };
        if let Ok(v) = code.parse() {
            status.metadata_mut().insert(ERROR_CODE_KEY, v);
        }
        status
    }
}
