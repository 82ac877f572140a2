//! The lifecycle service's error type, the services' one shape
//! (`spot_platform::service_error!`), mapped once to gRPC through the shared
//! error contract (`spot_contracts::ServiceError`): a status code plus a
//! stable machine code in the `spot-error-code` metadata entry, which the
//! gateway turns into its HTTP answer. Domain errors keep their own codes.

use spot_domain::group::{SettingsError, TransitionError};

spot_platform::service_error! {
    /// Every error a lifecycle operation can return: 400 for bad input, 404
    /// for an unknown (or another tenant's) agent, command or replica, 409
    /// for a state conflict, 500 for a database failure (details only in the log).
    pub enum LifecycleError;
    service: "lifecycle",
    database: spot_platform::grpc::DbAnswer::InternalOrConflict,
    internal: "internal error",
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

#[cfg(test)]
mod tests {
    use super::*;
    use spot_contracts::{ErrorCode, ServiceError};
    use tonic::Status;

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
