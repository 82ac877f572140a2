//! Asking a model. Every kind answers with a [`RawOutput`] or a failure
//! with a stable code; the caller validates the answer and falls back to
//! the built-in policy on any failure. ONNX runs on the blocking pool (a
//! panic there becomes a failure, never a crash); an external server gets
//! a deadline.

use super::onnx::OnnxModel;
use crate::store::models::ModelRow;
use spot_contracts::v1;
use spot_contracts::v1::model_server_client::ModelServerClient;
use spot_domain::decisions::{DecisionInput, INPUT_SCHEMA_VERSION, Policy, RISK_AWARE, RawOutput, RiskAware};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};
use uuid::Uuid;

/// A model that could not answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// `timeout`, `model_error`, `model_panicked`, `model_unavailable`.
    pub code: &'static str,
    pub reason: String,
}

fn fail(code: &'static str, reason: impl Into<String>) -> Failure {
    Failure { code, reason: reason.into() }
}

/// A ready-to-call model.
#[derive(Debug, Clone)]
pub enum Runner {
    Builtin(Arc<RiskAware>),
    Onnx(Arc<OnnxModel>),
    External { client: ModelServerClient<Channel>, deadline: Duration },
}

/// Loaded runners by model id (an ONNX file is parsed once, a channel
/// opened once).
#[derive(Debug, Clone, Default)]
pub struct Runners {
    cache: Arc<Mutex<HashMap<Uuid, Runner>>>,
}

impl Runners {
    /// The runner of `model`, loading it on first use.
    pub fn get(&self, model: &ModelRow, default_deadline: Duration) -> Result<Runner, Failure> {
        if let Ok(cache) = self.cache.lock()
            && let Some(r) = cache.get(&model.id)
        {
            return Ok(r.clone());
        }
        let runner = load(model, default_deadline)?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(model.id, runner.clone());
        }
        Ok(runner)
    }
}

fn load(model: &ModelRow, default_deadline: Duration) -> Result<Runner, Failure> {
    match model.kind.as_str() {
        "builtin" => match model.policy.as_deref() {
            Some(RISK_AWARE) => Ok(Runner::Builtin(Arc::new(RiskAware::default()))),
            other => Err(fail("model_unavailable", format!("unknown built-in policy {other:?}"))),
        },
        "onnx" => {
            let bytes = model.onnx.as_deref().ok_or_else(|| fail("model_unavailable", "no ONNX file"))?;
            OnnxModel::load(bytes)
                .map(|m| Runner::Onnx(Arc::new(m)))
                .map_err(|(_, e)| fail("model_unavailable", e))
        }
        "external" => {
            let url = model.endpoint.clone().ok_or_else(|| fail("model_unavailable", "no endpoint"))?;
            let deadline = model
                .deadline_ms
                .and_then(|ms| u64::try_from(ms).ok())
                .map_or(default_deadline, Duration::from_millis);
            let endpoint = Endpoint::from_shared(url.clone())
                .map_err(|e| fail("model_unavailable", format!("endpoint {url:?}: {e}")))?
                .connect_timeout(deadline)
                .timeout(deadline)
                .tcp_nodelay(true);
            Ok(Runner::External { client: ModelServerClient::new(endpoint.connect_lazy()), deadline })
        }
        other => Err(fail("model_unavailable", format!("unknown kind {other:?}"))),
    }
}

impl Runner {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Builtin(_) => "builtin",
            Self::Onnx(_) => "onnx",
            Self::External { .. } => "external",
        }
    }

    /// The model's answer, unvalidated.
    pub async fn decide(&self, model: &ModelRow, input: &Arc<DecisionInput>) -> Result<RawOutput, Failure> {
        match self {
            Self::Builtin(p) => Ok(p.decide(input).to_raw()),
            Self::Onnx(m) => {
                let (m, input) = (m.clone(), input.clone());
                match tokio::task::spawn_blocking(move || m.decide(&input)).await {
                    Ok(Ok(raw)) => Ok(raw),
                    Ok(Err(e)) => Err(fail("model_error", e)),
                    Err(e) if e.is_panic() => Err(fail("model_panicked", "the ONNX runtime panicked")),
                    Err(e) => Err(fail("model_error", e.to_string())),
                }
            }
            Self::External { client, deadline } => {
                let json =
                    serde_json::to_string(input.as_ref()).map_err(|e| fail("model_error", e.to_string()))?;
                let req = v1::ModelDecideRequest {
                    model_name: model.name.clone(),
                    model_version: model.version.clone(),
                    input_schema_version: INPUT_SCHEMA_VERSION,
                    input_json: json,
                };
                let mut client = client.clone();
                // The channel's timeout covers the call; this bounds the wait
                // even when the server accepts and never answers.
                match tokio::time::timeout(*deadline, client.decide(req)).await {
                    Err(_) => Err(fail("timeout", format!("no answer within {} ms", deadline.as_millis()))),
                    Ok(Err(s))
                        if s.code() == tonic::Code::Cancelled
                            || s.code() == tonic::Code::DeadlineExceeded =>
                    {
                        Err(fail("timeout", s.message().to_owned()))
                    }
                    Ok(Err(s)) => Err(fail("model_error", format!("{:?}: {}", s.code(), s.message()))),
                    Ok(Ok(r)) => {
                        let r = r.into_inner();
                        let opt = |s: String| (!s.is_empty()).then_some(s);
                        Ok(RawOutput {
                            action: r.action,
                            target_mode: opt(r.target_mode),
                            target_pool_id: opt(r.target_pool_id),
                            confidence: r.confidence,
                            reasoning: r.reasoning,
                            expected_saving_per_hour: r.expected_saving_per_hour,
                            alternatives: r.alternatives,
                        })
                    }
                }
            }
        }
    }
}
