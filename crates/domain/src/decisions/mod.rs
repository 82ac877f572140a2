//! The decision engine's pure core: the versioned input and output schemas
//! and their validation, the built-in risk-aware policy, the guardrails that
//! stand between a model's answer and a command, and the A/B arm choice.
//!
//! Nothing here reads the clock or a database: the decisions service builds
//! a [`DecisionInput`] from its projections, asks a model (this policy, an
//! ONNX file or an external server), validates the answer with
//! [`validate_output`], runs [`guardrails::check`] and acts on the verdict.
//! The market replay drives the same functions in simulated time. See
//! docs/DECISIONS.md.

pub mod ab;
pub mod guardrails;
mod input;
pub mod market;
mod output;
pub mod policy;
mod policy_plan;
pub mod realised;
#[cfg(any(test, feature = "sample"))]
pub mod sample;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod guardrails_tests;
#[cfg(test)]
mod input_tests;
#[cfg(test)]
mod market_tests;
#[cfg(test)]
mod policy_tests;
#[cfg(test)]
mod proptests;

pub use ab::{Arm, choose_arm, stable_bucket};
pub use guardrails::{GuardrailConfig, Verdict};
pub use input::{
    DecisionInput, DecisionSettings, History, INPUT_SCHEMA_VERSION, InputError, InstanceFeatures,
    PointSource, PoolWindow, PricePoint, RiskLevel,
};
pub use market::{MarketEvent, MarketMemory, PoolOutlook};
pub use output::{
    Action, DecisionOutput, OUTPUT_SCHEMA_VERSION, OutputError, RawOutput, Target, TargetMode,
    validate_output,
};
pub use policy::{GroupState, Plan, Policy, RISK_AWARE, RiskAware, RiskAwareParams};
pub use realised::{Side, realised_savings};
