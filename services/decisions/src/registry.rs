//! Checking a registration before anything is stored: names and versions,
//! kind-specific fields, and for ONNX files a full load and probe run, so
//! a file tract cannot run, or with the wrong tensor shapes, is refused
//! with a stable code and changes nothing.

use crate::engine::onnx::OnnxModel;
use crate::error::{DecisionsError, Result};
use crate::store::models::NewModel;
use sha2::{Digest, Sha256};
use spot_contracts::v1;
use spot_domain::decisions::RISK_AWARE;

/// Largest ONNX file accepted.
pub const MAX_ONNX_BYTES: usize = 16 * 1024 * 1024;

fn invalid(m: impl Into<String>) -> DecisionsError {
    DecisionsError::invalid_rule("invalid_field", m)
}

fn name_ok(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && s.len() <= 64
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
}

fn version_ok(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && s.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.+-".contains(c))
}

/// The registration as it will be stored, or why not.
pub fn check(r: &v1::RegisterModelRequest) -> Result<NewModel> {
    let name = r.name.trim();
    let version = r.version.trim();
    if !name_ok(name) {
        return Err(invalid("name must be 1-64 of a-z, 0-9, '_', '.', '-', starting with a letter or digit"));
    }
    if !version_ok(version) {
        return Err(invalid("version must be 1-64 of A-Z, a-z, 0-9, '_', '.', '+', '-'"));
    }
    if !(r.confidence_threshold.is_finite() && (0.0..=1.0).contains(&r.confidence_threshold)) {
        return Err(invalid("confidence_threshold must be between 0 and 1"));
    }
    if r.description.chars().count() > 2_000 {
        return Err(invalid("description is longer than 2000 characters"));
    }
    let mut m = NewModel {
        name: name.to_owned(),
        version: version.to_owned(),
        kind: r.kind.trim().to_owned(),
        description: r.description.clone(),
        policy: None,
        onnx: None,
        onnx_sha256: None,
        endpoint: None,
        deadline_ms: None,
        confidence_threshold: r.confidence_threshold,
        actor: if r.actor.is_empty() { "user:unknown".into() } else { r.actor.clone() },
    };
    match m.kind.as_str() {
        "builtin" => {
            if r.policy.trim() != RISK_AWARE {
                return Err(DecisionsError::invalid_rule(
                    "unknown_policy",
                    format!("built-in policies: {RISK_AWARE}; got {:?}", r.policy),
                ));
            }
            m.policy = Some(RISK_AWARE.into());
        }
        "onnx" => {
            if r.onnx.is_empty() {
                return Err(DecisionsError::invalid_rule("not_onnx", "an ONNX model needs its file"));
            }
            if r.onnx.len() > MAX_ONNX_BYTES {
                return Err(DecisionsError::invalid_rule(
                    "model_too_large",
                    "ONNX files are limited to 16 MiB",
                ));
            }
            OnnxModel::load(&r.onnx).map_err(|(code, msg)| DecisionsError::invalid_rule(code, msg))?;
            m.onnx_sha256 = Some(hex::encode(Sha256::digest(&r.onnx)));
            m.onnx = Some(r.onnx.clone());
        }
        "external" => {
            let url = r.endpoint.trim();
            if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() > 500 {
                return Err(invalid("endpoint must be an http(s) URL of a ModelServer"));
            }
            if !(0..=60_000).contains(&r.deadline_ms) {
                return Err(invalid("deadline_ms must be between 0 (default) and 60000"));
            }
            m.endpoint = Some(url.to_owned());
            m.deadline_ms = (r.deadline_ms > 0).then_some(r.deadline_ms);
        }
        other => return Err(invalid(format!("kind must be builtin, onnx or external, got {other:?}"))),
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(kind: &str) -> v1::RegisterModelRequest {
        v1::RegisterModelRequest {
            name: "linear".into(),
            version: "1.0".into(),
            kind: kind.into(),
            confidence_threshold: 0.5,
            ..Default::default()
        }
    }

    fn code(r: &v1::RegisterModelRequest) -> Option<&'static str> {
        match check(r) {
            Err(DecisionsError::Invalid { code, .. }) => Some(code),
            _ => None,
        }
    }

    #[test]
    fn registrations_are_checked_with_stable_codes() {
        let mut onnx = req("onnx");
        onnx.onnx = include_bytes!("../models/risk_linear.onnx").to_vec();
        assert!(check(&onnx).is_ok());
        onnx.onnx = b"PK\x03\x04 a zip file".to_vec();
        assert_eq!(code(&onnx), Some("not_onnx"));
        onnx.onnx = include_bytes!("../models/wrong_shape.onnx").to_vec();
        assert_eq!(code(&onnx), Some("onnx_shape"));
        assert_eq!(code(&req("onnx")), Some("not_onnx"));
        assert_eq!(code(&req("quantum")), Some("invalid_field"));
        assert_eq!(code(&req("builtin")), Some("unknown_policy"));
        let mut ext = req("external");
        assert_eq!(code(&ext), Some("invalid_field"));
        ext.endpoint = "http://127.0.0.1:9".into();
        assert!(check(&ext).is_ok());
        let mut bad = req("external");
        bad.name = "Has Spaces".into();
        assert_eq!(code(&bad), Some("invalid_field"));
        let mut bad = req("external");
        bad.confidence_threshold = f64::NAN;
        assert_eq!(code(&bad), Some("invalid_field"));
    }
}
