//! Errors of the emergency service, the services' one shape
//! (`spot_platform::service_error!`), mapped once to gRPC through the shared
//! error contract: a status code plus a stable machine code in the
//! `spot-error-code` metadata entry. Lifecycle's errors travel on as
//! `Upstream` with their own code.

spot_platform::service_error! {
    /// Every error an emergency call can return.
    pub enum EmergencyError;
    service: "emergency",
    database: spot_platform::grpc::DbAnswer::Unavailable("emergency store unavailable"),
    internal: "emergency internal error",
}
