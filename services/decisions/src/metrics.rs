//! Prometheus metrics of the decisions service.

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry};
use spot_domain::decisions::Action;

#[derive(Debug, Clone)]
pub struct Metrics {
    /// Decisions by model kind, action and outcome (acted, blocked, stay...).
    pub decisions: IntCounterVec,
    /// Model answers rejected by validation, by model and code.
    pub rejected: IntCounterVec,
    /// Times the built-in policy answered for another model, by reason.
    pub fallbacks: IntCounterVec,
    /// Seconds a model took to answer, by kind.
    pub latency: HistogramVec,
}

impl Metrics {
    pub fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let decisions = IntCounterVec::new(
            Opts::new("decisions_total", "decisions by model kind, action and outcome"),
            &["kind", "action", "outcome"],
        )?;
        let rejected = IntCounterVec::new(
            Opts::new("decisions_rejected_outputs_total", "model outputs that failed validation"),
            &["model", "code"],
        )?;
        let fallbacks = IntCounterVec::new(
            Opts::new("decisions_fallbacks_total", "built-in policy answered instead of the chosen model"),
            &["reason"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("decisions_model_latency_seconds", "time a model took to answer")
                .buckets(vec![0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0]),
            &["kind"],
        )?;
        // Series that exist from the start (zero until the first event), so
        // dashboards and alerts see them before the first decision: each
        // model kind's latency, and the built-in policy's unblocked outcomes.
        for kind in ["builtin", "onnx", "external"] {
            latency.with_label_values(&[kind]);
        }
        for action in [Action::Stay, Action::Switch, Action::CreateReplica, Action::NoAction] {
            let outcome = if action == Action::Switch { "acted" } else { action.as_str() };
            decisions.with_label_values(&["builtin", action.as_str(), outcome]);
        }
        registry.register(Box::new(decisions.clone()))?;
        registry.register(Box::new(rejected.clone()))?;
        registry.register(Box::new(fallbacks.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        Ok(Self { decisions, rejected, fallbacks, latency })
    }
}
