//! The pricing service's error type, the services' one shape
//! (`spot_platform::service_error!`), mapped once to gRPC through the shared
//! error contract; database failures and failed consolidation runs answer
//! `internal_error`, their details only in the log.

spot_platform::service_error! {
    /// Every error a pricing call can return.
    pub enum PricingError;
    service: "pricing",
    database: spot_platform::grpc::DbAnswer::Internal,
    internal: "internal error",
}
