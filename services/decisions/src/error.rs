//! The decisions service's error type, the services' one shape
//! (`spot_platform::service_error!`), mapped once to gRPC through the shared
//! error contract: a status code plus a stable machine code the gateway
//! turns into its JSON error. Codes: `invalid_field`, `not_onnx`,
//! `duplicate_version`, `two_models_active`...

spot_platform::service_error! {
    /// Every error a decisions call can return.
    pub enum DecisionsError;
    service: "decisions",
    database: spot_platform::grpc::DbAnswer::Unavailable("decisions store unavailable"),
    internal: "internal error",
}
