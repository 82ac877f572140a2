//! What the gRPC clients of the gateway share: the channel (lazy, with a
//! deadline per call, from `spot_platform::grpc`), the error mapping and the
//! macro that declares a client with one method per RPC.
//!
//! Errors are mapped by their stable code (`spot_contracts::ErrorCode`,
//! carried in the `spot-error-code` metadata), never by message text.

use crate::error::ApiError;
use spot_contracts::{ErrorCode, ServiceError};

/// Maps a gRPC error of `service` to the API error the client sees.
pub(crate) fn api_error(service: &'static str, status: tonic::Status) -> ApiError {
    let e = ServiceError::from_status(&status);
    match e.code {
        ErrorCode::Invalid { .. } => ApiError::InvalidField(e.message),
        ErrorCode::AgentNotFound => ApiError::AgentNotFound,
        ErrorCode::NotFound => ApiError::NotFound(e.message),
        ErrorCode::Conflict { rule } => ApiError::Conflict { code: rule.into_owned(), message: e.message },
        ErrorCode::Unavailable => ApiError::DependencyUnavailable(service),
        ErrorCode::Internal => ApiError::Internal(format!("{service}: {status}")),
    }
}

/// Declares a client type over a generated gRPC client, cheap to clone
/// (calls share one HTTP/2 connection), lazily connected, `$deadline` per
/// call, and one method per RPC: clone the channel handle, call, map the
/// error of `$service` by its code with [`api_error`] (or with the mapping
/// named after `via`, of the same signature). The optional `$configure`
/// adjusts the generated client (e.g. its message size limits).
///
/// ```ignore
/// grpc_client! {
///     /// Pricing's API.
///     PricingClient: PricingServiceClient<Channel>, "SPOT_PRICING_GRPC_URL", Duration::from_secs(120);
///     "pricing";
///     /// Risk of some pools.
///     pool_risk => get_pool_risk(v1::GetPoolRiskRequest, v1::PoolRiskList),
/// }
/// ```
macro_rules! grpc_client {
    (
        $(#[$doc:meta])*
        $name:ident: $generated:ty, $setting:literal, $deadline:expr $(, $configure:expr)?;
        $service:literal $(via $map:path)?;
        $($(#[$rpc_doc:meta])* $rpc:ident => $method:ident($req:ty, $resp:ty),)*
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            inner: $generated,
        }

        impl $name {
            /// A lazily connected client for `url` (e.g. `http://127.0.0.1:50051`).
            pub fn new(url: &str) -> Result<Self, String> {
                let channel = spot_platform::grpc::channel(url, $setting, $deadline)?;
                let configure: fn($generated) -> $generated =
                    $crate::upstream::grpc_client!(@or [$($configure)?] |c| c);
                Ok(Self { inner: configure(<$generated>::new(channel)) })
            }

            /// The API error of a failed call.
            fn api_error(status: tonic::Status) -> $crate::error::ApiError {
                let map: fn(&'static str, tonic::Status) -> $crate::error::ApiError =
                    $crate::upstream::grpc_client!(@or [$($map)?] $crate::upstream::api_error);
                map($service, status)
            }

            $(
                $(#[$rpc_doc])*
                pub async fn $rpc(&self, req: $req) -> Result<$resp, $crate::error::ApiError> {
                    let answer = self.inner.clone().$method(req).await;
                    answer.map(tonic::Response::into_inner).map_err(Self::api_error)
                }
            )*
        }
    };
    (@or [] $default:expr) => {
        $default
    };
    (@or [$given:expr] $default:expr) => {
        $given
    };
}
pub(crate) use grpc_client;

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::ResponseError;

    #[test]
    fn errors_map_by_code_not_by_message() {
        let status = |code: ErrorCode, message: &str| tonic::Status::from(ServiceError::new(code, message));
        let agent = api_error("lifecycle", status(ErrorCode::AgentNotFound, "no such thing"));
        assert_eq!(agent.code(), "agent_not_found");
        // A message that starts with "agent" is still just a missing resource.
        let other = api_error("lifecycle", status(ErrorCode::NotFound, "agent's replica not found"));
        assert_eq!(other.code(), "not_found");
        let conflict =
            api_error("lifecycle", status(ErrorCode::Conflict { rule: "version_mismatch".into() }, "stale"));
        assert_eq!((conflict.status_code().as_u16(), conflict.code()), (409, "version_mismatch"));
        let down = api_error("pricing", tonic::Status::deadline_exceeded("slow"));
        assert_eq!(down.status_code().as_u16(), 503);
        let bad = api_error("pricing", status(ErrorCode::INVALID_FIELD, "limit"));
        assert_eq!((bad.status_code().as_u16(), bad.to_string()), (400, "limit".to_owned()));
    }
}
