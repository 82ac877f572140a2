//! Client of the decisions service's gRPC API (lazy connection, deadline).
//! Its refusals keep their own stable codes (`not_onnx`, `onnx_shape`,
//! `unknown_policy`, ...), so an invalid-input rule other than the generic
//! `invalid_field` travels to the HTTP client unchanged.

use crate::error::ApiError;
use crate::upstream::{api_error, grpc_client};
use spot_contracts::v1;
use spot_contracts::v1::decisions_service_client::DecisionsServiceClient;
use spot_contracts::{ErrorCode, ServiceError};
use spot_platform::grpc::Channel;
use std::time::Duration;

/// Largest ONNX upload (the decisions service enforces the same).
pub const MAX_UPLOAD: usize = 16 * 1024 * 1024;

/// Maps a decisions error by its code, keeping the rule of a 400.
fn decisions_error(service: &'static str, status: tonic::Status) -> ApiError {
    match ServiceError::from_status(&status) {
        ServiceError { code: ErrorCode::Invalid { rule }, message } if rule != "invalid_field" => {
            ApiError::BadRequest { code: rule.into_owned(), message }
        }
        _ => api_error(service, status),
    }
}

grpc_client! {
    /// Decisions' API. Registry calls carry ONNX files (10 s deadline);
    /// evaluation listings are quick.
    DecisionsClient: DecisionsServiceClient<Channel>, "SPOT_DECISIONS_GRPC_URL", Duration::from_secs(10),
        |c| c.max_encoding_message_size(MAX_UPLOAD + 65_536);
    "decisions" via decisions_error;
    list_decisions => list_decisions(v1::ListDecisionsRequest, v1::JsonRows),
    summary => summary(v1::SummaryRequest, v1::JsonRows),
    list_rejected => list_rejected(v1::ListDecisionsRequest, v1::JsonRows),
    list_models => list_models(v1::ListModelsRequest, v1::JsonRows),
    register_model => register_model(v1::RegisterModelRequest, v1::JsonRow),
    set_model_active => set_model_active(v1::SetModelActiveRequest, v1::JsonRow),
    delete_model => delete_model(v1::ModelRef, v1::JsonRow),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decisions_rule_survives_and_the_rest_maps_as_usual() {
        let status = |code: ErrorCode| tonic::Status::from(ServiceError::new(code, "m"));
        let onnx = decisions_error("decisions", status(ErrorCode::Invalid { rule: "not_onnx".into() }));
        assert_eq!(onnx.code(), "not_onnx");
        assert_eq!(decisions_error("decisions", status(ErrorCode::INVALID_FIELD)).code(), "invalid_field");
        assert_eq!(decisions_error("decisions", status(ErrorCode::NotFound)).code(), "not_found");
    }
}
