//! What a model answers, and the validation every answer passes before the
//! service looks at it. A model is untrusted: its answer arrives as a
//! [`RawOutput`] of strings and numbers, and only [`validate_output`] turns
//! it into a typed [`DecisionOutput`]. Each refusal has a stable code that
//! lands in the rejected-output log and the metric's label.

use super::input::{DecisionInput, RiskLevel};
use serde::{Deserialize, Serialize};

/// Version of the output schema.
pub const OUTPUT_SCHEMA_VERSION: u32 = 1;

/// Longest reasoning text kept (longer answers are rejected, not cut).
const MAX_REASONING: usize = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Action {
    Stay,
    Switch,
    CreateReplica,
    NoAction,
}

impl Action {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "STAY" => Some(Self::Stay),
            "SWITCH" => Some(Self::Switch),
            "CREATE_REPLICA" => Some(Self::CreateReplica),
            "NO_ACTION" => Some(Self::NoAction),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stay => "STAY",
            Self::Switch => "SWITCH",
            Self::CreateReplica => "CREATE_REPLICA",
            Self::NoAction => "NO_ACTION",
        }
    }

    /// Index in the ONNX model's action logits (docs/DECISIONS.md).
    pub fn from_index(i: usize) -> Option<Self> {
        [Self::Stay, Self::Switch, Self::CreateReplica, Self::NoAction].get(i).copied()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetMode {
    Spot,
    Ondemand,
}

impl TargetMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Spot => "spot",
            Self::Ondemand => "ondemand",
        }
    }
}

/// Where a SWITCH (or a replica) goes. A spot target always names a pool:
/// v4 launches on-demand for `spot` without a pool, which is never meant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub mode: TargetMode,
    pub pool_id: Option<String>,
}

/// A validated answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionOutput {
    pub schema_version: u32,
    pub action: Action,
    pub target: Option<Target>,
    pub confidence: f64,
    pub reasoning: String,
    pub expected_saving_per_hour: f64,
    /// Other pools considered, best first (informational).
    #[serde(default)]
    pub alternatives: Vec<String>,
}

/// A model's answer before validation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RawOutput {
    pub action: String,
    pub target_mode: Option<String>,
    pub target_pool_id: Option<String>,
    pub confidence: f64,
    pub reasoning: String,
    pub expected_saving_per_hour: f64,
    #[serde(default)]
    pub alternatives: Vec<String>,
}

/// Why a model's answer was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OutputError {
    #[error("unknown action {0:?}")]
    UnknownAction(String),
    #[error("confidence {0} is outside [0, 1]")]
    Confidence(f64),
    #[error("{0} is not a finite number")]
    NotFinite(&'static str),
    #[error("unknown target mode {0:?}")]
    UnknownMode(String),
    #[error("{0} needs a target")]
    MissingTarget(&'static str),
    #[error("pool {0:?} is not a candidate of this group")]
    UnknownPool(String),
    #[error("pool {0:?} is marked avoid")]
    UnsafePool(String),
    #[error("target is where the group already runs")]
    TargetIsCurrent,
    #[error("reasoning is longer than {MAX_REASONING} characters")]
    Reasoning,
}

impl OutputError {
    /// Stable code (API, rejected-output log, metric label).
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownAction(_) => "unknown_action",
            Self::Confidence(_) => "confidence_out_of_range",
            Self::NotFinite(_) => "not_finite",
            Self::UnknownMode(_) => "unknown_mode",
            Self::MissingTarget(_) => "missing_target",
            Self::UnknownPool(_) => "unknown_pool",
            Self::UnsafePool(_) => "unsafe_pool",
            Self::TargetIsCurrent => "target_is_current",
            Self::Reasoning => "reasoning_too_long",
        }
    }
}

fn parse_target(raw: &RawOutput, input: &DecisionInput) -> Result<Option<Target>, OutputError> {
    let mode = match raw.target_mode.as_deref().map(str::trim) {
        None | Some("") => return Ok(None),
        Some("spot") => TargetMode::Spot,
        Some("ondemand") => TargetMode::Ondemand,
        Some(other) => return Err(OutputError::UnknownMode(other.to_owned())),
    };
    let pool = raw.target_pool_id.as_deref().map(str::trim).filter(|p| !p.is_empty());
    match (mode, pool) {
        (TargetMode::Ondemand, _) => Ok(Some(Target { mode, pool_id: None })),
        (TargetMode::Spot, None) => Err(OutputError::MissingTarget("a spot target")),
        (TargetMode::Spot, Some(pool)) => {
            let c = input.candidate(pool).ok_or_else(|| OutputError::UnknownPool(pool.to_owned()))?;
            if c.risk == RiskLevel::Avoid {
                return Err(OutputError::UnsafePool(pool.to_owned()));
            }
            Ok(Some(Target { mode, pool_id: Some(pool.to_owned()) }))
        }
    }
}

/// Turns a model's answer into a typed decision, or says why not.
pub fn validate_output(raw: &RawOutput, input: &DecisionInput) -> Result<DecisionOutput, OutputError> {
    let action =
        Action::parse(raw.action.trim()).ok_or_else(|| OutputError::UnknownAction(raw.action.clone()))?;
    if !raw.confidence.is_finite() {
        return Err(OutputError::NotFinite("confidence"));
    }
    if !(0.0..=1.0).contains(&raw.confidence) {
        return Err(OutputError::Confidence(raw.confidence));
    }
    if !raw.expected_saving_per_hour.is_finite() {
        return Err(OutputError::NotFinite("expected_saving_per_hour"));
    }
    if raw.reasoning.chars().count() > MAX_REASONING {
        return Err(OutputError::Reasoning);
    }
    let target = parse_target(raw, input)?;
    if matches!(action, Action::Switch | Action::CreateReplica) {
        let Some(t) = &target else {
            return Err(OutputError::MissingTarget(action.as_str()));
        };
        let same_pool =
            t.pool_id.is_some() && t.pool_id == input.instance.pool_id && !input.instance.on_demand();
        let same_od = t.mode == TargetMode::Ondemand && input.instance.on_demand();
        if action == Action::Switch && (same_pool || same_od) {
            return Err(OutputError::TargetIsCurrent);
        }
    }
    // STAY and NO_ACTION carry no target, whatever the model sent.
    let target = if matches!(action, Action::Stay | Action::NoAction) { None } else { target };
    Ok(DecisionOutput {
        schema_version: OUTPUT_SCHEMA_VERSION,
        action,
        target,
        confidence: raw.confidence,
        reasoning: raw.reasoning.clone(),
        expected_saving_per_hour: raw.expected_saving_per_hour,
        alternatives: raw.alternatives.iter().take(16).cloned().collect(),
    })
}

impl DecisionOutput {
    /// The same decision in the raw form (what an external model sends).
    pub fn to_raw(&self) -> RawOutput {
        RawOutput {
            action: self.action.as_str().to_owned(),
            target_mode: self.target.as_ref().map(|t| t.mode.as_str().to_owned()),
            target_pool_id: self.target.as_ref().and_then(|t| t.pool_id.clone()),
            confidence: self.confidence,
            reasoning: self.reasoning.clone(),
            expected_saving_per_hour: self.expected_saving_per_hour,
            alternatives: self.alternatives.clone(),
        }
    }
}
