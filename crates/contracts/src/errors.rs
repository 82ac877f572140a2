//! The error contract between services: a stable [`ErrorCode`] travels with
//! every gRPC error in the [`ERROR_CODE_KEY`] metadata entry, next to the
//! gRPC status code. Senders build a [`ServiceError`] and turn it into a
//! `tonic::Status` once; receivers turn the `Status` back into a
//! [`ServiceError`] and branch on its code, never on its message text
//! (see docs/ARCHITECTURE.md, "Errors across services").

use std::borrow::Cow;
use tonic::{Code, Status};

/// Metadata key carrying the stable error code of a gRPC error.
pub const ERROR_CODE_KEY: &str = "spot-error-code";

/// What went wrong, in a form every service and the gateway agree on.
///
/// `rule` codes (`version_mismatch`, `same_instance`, ...) are the domain's
/// own stable codes; the variant fixes the gRPC status (and so the HTTP
/// status the gateway answers with).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorCode {
    /// Bad input; `rule` is `invalid_field` unless a domain rule names it.
    Invalid { rule: Cow<'static, str> },
    /// The agent does not exist or belongs to another tenant.
    AgentNotFound,
    /// Another resource (command, replica, group) does not exist.
    NotFound,
    /// The request conflicts with the current state; `rule` says how.
    Conflict { rule: Cow<'static, str> },
    /// A dependency (database, another service) is unavailable: retry.
    Unavailable,
    /// A bug or an unexpected failure; details stay in the sender's log.
    Internal,
}

impl ErrorCode {
    /// Generic bad input.
    pub const INVALID_FIELD: Self = Self::Invalid { rule: Cow::Borrowed("invalid_field") };
    /// Generic state conflict (e.g. a constraint rejected a concurrent write).
    pub const CONFLICT: Self = Self::Conflict { rule: Cow::Borrowed("conflict") };

    /// The stable text sent in [`ERROR_CODE_KEY`].
    pub fn as_str(&self) -> &str {
        match self {
            Self::Invalid { rule } | Self::Conflict { rule } => rule,
            Self::AgentNotFound => "agent_not_found",
            Self::NotFound => "not_found",
            Self::Unavailable => "dependency_unavailable",
            Self::Internal => "internal_error",
        }
    }

    /// The gRPC status code this error travels with.
    pub fn grpc_code(&self) -> Code {
        match self {
            Self::Invalid { .. } => Code::InvalidArgument,
            Self::AgentNotFound | Self::NotFound => Code::NotFound,
            Self::Conflict { .. } => Code::FailedPrecondition,
            Self::Unavailable => Code::Unavailable,
            Self::Internal => Code::Internal,
        }
    }

    /// Reads the code back from a gRPC status code and the metadata text.
    /// Errors that never carried a code (transport failures, deadlines) are
    /// classified by their gRPC code alone.
    pub fn from_grpc(code: Code, key: Option<&str>) -> Self {
        let rule = |default: &'static str| match key {
            Some(k) if !k.is_empty() => Cow::Owned(k.to_owned()),
            _ => Cow::Borrowed(default),
        };
        match code {
            Code::InvalidArgument | Code::OutOfRange => Self::Invalid { rule: rule("invalid_field") },
            Code::NotFound if key == Some("agent_not_found") => Self::AgentNotFound,
            Code::NotFound => Self::NotFound,
            Code::FailedPrecondition | Code::Aborted | Code::AlreadyExists => {
                Self::Conflict { rule: rule("conflict") }
            }
            Code::Unavailable | Code::DeadlineExceeded | Code::Cancelled | Code::ResourceExhausted => {
                Self::Unavailable
            }
            // Every service error carries its key; an `Unknown` without one is
            // the client's own transport failing (tonic reports a connection cut
            // mid-call, e.g. a replica killed, that way): retry, not a bug.
            Code::Unknown if key.is_none() => Self::Unavailable,
            _ => Self::Internal,
        }
    }
}

/// An error as it crosses a service boundary: a code and a human message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ServiceError {
    /// Stable, machine-readable.
    pub code: ErrorCode,
    /// For people; never parsed.
    pub message: String,
}

impl ServiceError {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    /// Bad input breaking `rule` (`invalid_field` or a domain rule's code).
    pub fn invalid(rule: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Invalid { rule: rule.into() }, message)
    }

    /// `what` (an agent: use [`ErrorCode::AgentNotFound`]) does not exist or is another tenant's.
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }

    /// A conflict with the current state; `rule` says which.
    pub fn conflict(rule: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Conflict { rule: rule.into() }, message)
    }

    /// Reads a received status (the gRPC client side).
    pub fn from_status(status: &Status) -> Self {
        let key = status.metadata().get(ERROR_CODE_KEY).and_then(|v| v.to_str().ok());
        Self { code: ErrorCode::from_grpc(status.code(), key), message: status.message().to_owned() }
    }
}

impl From<ServiceError> for Status {
    fn from(e: ServiceError) -> Self {
        let mut status = Status::new(e.code.grpc_code(), e.message);
        if let Ok(value) = e.code.as_str().parse() {
            status.metadata_mut().insert(ERROR_CODE_KEY, value);
        }
        status
    }
}

impl From<Status> for ServiceError {
    fn from(status: Status) -> Self {
        Self::from_status(&status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transport_failure_is_unavailable_and_a_service_s_unknown_is_internal() {
        let cut = Status::new(Code::Unknown, "transport error");
        assert_eq!(ServiceError::from_status(&cut).code, ErrorCode::Unavailable);
        let mut ours = Status::new(Code::Unknown, "odd");
        ours.metadata_mut()
            .insert(ERROR_CODE_KEY, tonic::metadata::MetadataValue::from_static("internal_error"));
        assert_eq!(ServiceError::from_status(&ours).code, ErrorCode::Internal);
    }

    #[test]
    fn every_code_survives_the_round_trip() {
        let codes = [
            ErrorCode::INVALID_FIELD,
            ErrorCode::Invalid { rule: "same_instance".into() },
            ErrorCode::AgentNotFound,
            ErrorCode::NotFound,
            ErrorCode::CONFLICT,
            ErrorCode::Conflict { rule: "version_mismatch".into() },
            ErrorCode::Unavailable,
            ErrorCode::Internal,
        ];
        for code in codes {
            let status = Status::from(ServiceError::new(code.clone(), "why"));
            let back = ServiceError::from_status(&status);
            assert_eq!(back.code, code);
            assert_eq!(back.message, "why");
        }
    }

    #[test]
    fn uncoded_statuses_are_classified_by_grpc_code() {
        let back = ServiceError::from(Status::deadline_exceeded("slow"));
        assert_eq!(back.code, ErrorCode::Unavailable);
        // A not-found without a code is never taken for an unknown agent,
        // whatever its message says.
        let back = ServiceError::from(Status::not_found("agent not found"));
        assert_eq!(back.code, ErrorCode::NotFound);
        let back = ServiceError::from(Status::aborted("x"));
        assert_eq!(back.code, ErrorCode::CONFLICT);
        // Only the transport answers `Unknown` without a code (a_transport_failure_...).
        assert_eq!(ServiceError::from(Status::unknown("x")).code, ErrorCode::Unavailable);
        assert_eq!(ServiceError::from(Status::internal("x")).code, ErrorCode::Internal);
    }
}
