//! ONNX models, run in-process with tract (pure Rust). The tensor contract
//! is in docs/DECISIONS.md and services/decisions/models/make_test_model.py:
//! input `pools` f32 [n, 8], one row per candidate pool; outputs
//! `pool_scores` f32 [n] and `action_logits` f32 [4] (STAY, SWITCH,
//! CREATE_REPLICA, NO_ACTION). The answer becomes a [`RawOutput`] and goes
//! through the same validation as any other model's.

use chrono::Duration;
use spot_domain::decisions::{Action, DecisionInput, RawOutput, RiskLevel};
use tract_onnx::prelude::*;

/// Features per candidate pool.
pub const FEATURES: usize = 8;

type Plan = TypedRunnableModel<TypedModel>;

/// A loaded, optimised model, shared by every evaluation.
pub struct OnnxModel {
    plan: Plan,
}

impl std::fmt::Debug for OnnxModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OnnxModel")
    }
}

/// Why a file was refused at upload (stable code, message).
pub type LoadError = (&'static str, String);

impl OnnxModel {
    /// Parses, optimises and probes the model: one input of width 8, two
    /// outputs of shapes [n] and [4].
    pub fn load(bytes: &[u8]) -> Result<Self, LoadError> {
        let mut reader = bytes;
        let model = tract_onnx::onnx()
            .model_for_read(&mut reader)
            .map_err(|e| ("not_onnx", format!("not a readable ONNX model: {e}")))?;
        let typed =
            model.into_optimized().map_err(|e| ("onnx_unsupported", format!("cannot optimise: {e}")))?;
        if typed.inputs.len() != 1 || typed.outputs.len() != 2 {
            return Err((
                "onnx_shape",
                format!(
                    "needs 1 input and 2 outputs, has {} and {}",
                    typed.inputs.len(),
                    typed.outputs.len()
                ),
            ));
        }
        let fact = typed.input_fact(0).map_err(|e| ("onnx_shape", e.to_string()))?;
        if fact.rank() != 2 || fact.shape[1] != TDim::from(FEATURES as i64) {
            return Err(("onnx_shape", format!("input must be [n, {FEATURES}], is {:?}", fact.shape)));
        }
        let plan = typed.into_runnable().map_err(|e| ("onnx_unsupported", e.to_string()))?;
        let model = Self { plan };
        let probe = vec![0.5f32; 3 * FEATURES];
        let (scores, logits) = model.run(3, probe).map_err(|e| ("onnx_shape", e))?;
        if scores.len() != 3 || logits.len() != 4 {
            return Err((
                "onnx_shape",
                format!("outputs must be [n] and [4], got {} and {} values", scores.len(), logits.len()),
            ));
        }
        Ok(model)
    }

    fn run(&self, n: usize, data: Vec<f32>) -> Result<(Vec<f32>, Vec<f32>), String> {
        let input = Tensor::from_shape(&[n, FEATURES], &data).map_err(|e| e.to_string())?;
        let out = self.plan.run(tvec!(input.into())).map_err(|e| format!("run: {e}"))?;
        let take = |i: usize| -> Result<Vec<f32>, String> {
            let t = out.get(i).ok_or_else(|| format!("output {i} missing"))?;
            Ok(t.to_array_view::<f32>().map_err(|e| e.to_string())?.iter().copied().collect())
        };
        Ok((take(0)?, take(1)?))
    }

    /// The model's answer for `input` (not validated yet).
    pub fn decide(&self, input: &DecisionInput) -> Result<RawOutput, String> {
        let n = input.candidates.len();
        if n == 0 {
            return Ok(RawOutput {
                action: "NO_ACTION".into(),
                reasoning: "no candidate pools".into(),
                ..RawOutput::default()
            });
        }
        let (scores, logits) = self.run(n, features(input))?;
        if scores.len() != n || logits.len() != 4 {
            return Err(format!("output shapes [{}] and [{}]", scores.len(), logits.len()));
        }
        let (action_index, confidence) = softmax_argmax(&logits);
        let best =
            scores.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map(|(i, _)| i).unwrap_or_default();
        let action = Action::from_index(action_index).map_or("NO_ACTION", Action::as_str);
        let target = &input.candidates[best];
        let switching = matches!(action, "SWITCH" | "CREATE_REPLICA");
        Ok(RawOutput {
            action: action.to_owned(),
            target_mode: switching.then(|| "spot".to_owned()),
            target_pool_id: switching.then(|| target.pool_id.clone()),
            confidence: f64::from(confidence),
            reasoning: format!("onnx: best pool {} (score {:.3})", target.pool_id, scores[best]),
            expected_saving_per_hour: 0.0,
            alternatives: Vec::new(),
        })
    }
}

/// Softmax of the logits: index of the largest and its probability (NaN
/// logits give NaN confidence, which validation rejects).
fn softmax_argmax(logits: &[f32]) -> (usize, f32) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    let (i, e) = exp.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap_or((0, &f32::NAN));
    (i, if logits.iter().any(|l| l.is_nan()) { f32::NAN } else { e / sum })
}

/// The [n, 8] feature matrix, row-major, in candidate order.
pub fn features(input: &DecisionInput) -> Vec<f32> {
    let od = input.on_demand_price;
    let since = input.now - Duration::hours(6);
    let current = if input.instance.on_demand() { None } else { input.instance.pool_id.as_deref() };
    let mut out = Vec::with_capacity(input.candidates.len() * FEATURES);
    for c in &input.candidates {
        let mean = c.mean_since(since).unwrap_or(od);
        let latest = c.latest_price().unwrap_or(od);
        out.extend_from_slice(&[
            (mean / od) as f32,
            (latest / od) as f32,
            c.risk_score.unwrap_or(0.5) as f32,
            c.interruptions_30d as f32 / 8.0,
            c.agent_share() as f32,
            if Some(c.pool_id.as_str()) == current { 1.0 } else { 0.0 },
            if c.risk == RiskLevel::Avoid { 1.0 } else { 0.0 },
            (input.settings.availability_target_percent / 100.0) as f32,
        ]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MODEL: &[u8] = include_bytes!("../../models/risk_linear.onnx");
    const WRONG: &[u8] = include_bytes!("../../models/wrong_shape.onnx");

    #[test]
    fn the_test_model_loads_and_bad_files_are_refused_with_codes() {
        assert!(OnnxModel::load(MODEL).is_ok());
        assert_eq!(OnnxModel::load(b"definitely not onnx").map(|_| ()).map_err(|e| e.0), Err("not_onnx"));
        assert_eq!(OnnxModel::load(WRONG).map(|_| ()).map_err(|e| e.0), Err("onnx_shape"));
    }

    #[test]
    fn softmax_picks_the_largest_logit() {
        let (i, p) = softmax_argmax(&[0.0, 2.0, -10.0, -10.0]);
        assert_eq!(i, 1);
        assert!((p - 0.8808).abs() < 1e-3, "{p}");
        assert!(softmax_argmax(&[f32::NAN, 1.0, 0.0, 0.0]).1.is_nan());
    }
}
