//! One group, one decision: pick the arm's model, ask it, validate the
//! answer (on failure: log the rejection, count it, let the built-in policy
//! answer), run the guardrails and prepare the decision row. Nothing is
//! written here; the round writes a chunk of decisions in one transaction.

use super::Engine;
use super::models::Runner;
use crate::store::decisions::NewDecision;
use crate::store::models::ModelRow;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use spot_domain::decisions::guardrails::{self, GuardrailConfig, Verdict};
use spot_domain::decisions::{
    Action, Arm, DecisionInput, DecisionOutput, Policy, RISK_AWARE, RiskAware, choose_arm, validate_output,
};
use std::sync::Arc;
use std::time::Instant;
use uuid::Uuid;

type Loaded = (ModelRow, Result<Runner, super::models::Failure>);

/// The active models with their runners (or why they cannot run): arm A,
/// and arm B when two versions are active.
#[derive(Debug, Clone)]
pub struct ActiveModels {
    pub a: Loaded,
    pub b: Option<Loaded>,
}

/// The built-in policy's registry identity when nothing is active.
fn builtin_row() -> ModelRow {
    ModelRow {
        id: Uuid::nil(),
        name: RISK_AWARE.into(),
        version: "builtin".into(),
        kind: "builtin".into(),
        policy: Some(RISK_AWARE.into()),
        onnx: None,
        endpoint: None,
        deadline_ms: None,
        confidence_threshold: GuardrailConfig::default().confidence_threshold,
        active_slot: Some(1),
        ab_share_bp: 0,
    }
}

impl ActiveModels {
    pub async fn load(engine: &Engine) -> Result<Self, sea_orm::DbErr> {
        let mut rows = crate::store::models::active(&engine.db).await?.into_iter();
        let load = |m: ModelRow| {
            let r = engine.runners.get(&m, engine.cfg.model_deadline);
            (m, r)
        };
        let a = load(rows.next().unwrap_or_else(builtin_row));
        Ok(Self { a, b: rows.next().map(load) })
    }

    /// The model of the group's arm.
    pub fn for_group(&self, group: Uuid) -> (Arm, &Loaded) {
        match &self.b {
            Some(b) if choose_arm(group, u32::try_from(b.0.ab_share_bp).unwrap_or(0)) == Arm::B => {
                (Arm::B, b)
            }
            _ => (Arm::A, &self.a),
        }
    }
}

/// A rejected or missing model answer, to be logged with the decision.
#[derive(Debug, Clone)]
pub struct RejectedAnswer {
    pub code: String,
    pub reason: String,
    pub raw: Option<Value>,
}

/// What one evaluation produced.
#[derive(Debug, Clone)]
pub struct Evaluated {
    pub decision: NewDecision,
    pub rejected: Option<RejectedAnswer>,
    pub output: DecisionOutput,
}

/// Decides for one group.
#[allow(clippy::too_many_arguments)]
pub async fn evaluate(
    engine: &Engine,
    active: &ActiveModels,
    group: &crate::store::reads::GroupRow,
    input: DecisionInput,
    summary: Value,
    digest: String,
    key: String,
    now: DateTime<Utc>,
) -> Evaluated {
    let (arm, (model, runner)) = active.for_group(group.group_id);
    let input = Arc::new(input);
    let started = Instant::now();
    let answer = match runner {
        Ok(r) => {
            let raw = r.decide(model, &input).await;
            engine.metrics.latency.with_label_values(&[r.kind()]).observe(started.elapsed().as_secs_f64());
            raw
        }
        Err(f) => Err(f.clone()),
    };
    let (output, rejected) = match answer {
        Ok(raw) => match validate_output(&raw, &input) {
            Ok(out) => (out, None),
            Err(e) => {
                let label = format!("{}@{}", model.name, model.version);
                engine.metrics.rejected.with_label_values(&[label.as_str(), e.code()]).inc();
                let raw_json = serde_json::to_value(&raw).ok();
                (
                    fallback(&input),
                    Some(RejectedAnswer { code: e.code().into(), reason: e.to_string(), raw: raw_json }),
                )
            }
        },
        Err(f) => {
            engine.metrics.fallbacks.with_label_values(&[f.code]).inc();
            (fallback(&input), Some(RejectedAnswer { code: f.code.into(), reason: f.reason, raw: None }))
        }
    };
    let threshold = if rejected.is_some() {
        GuardrailConfig::default().confidence_threshold
    } else {
        model.confidence_threshold
    };
    let cfg = GuardrailConfig {
        confidence_threshold: threshold,
        failover_cooldown: chrono::Duration::from_std(engine.cfg.failover_cooldown)
            .unwrap_or(chrono::Duration::hours(1)),
        ..GuardrailConfig::default()
    };
    let mut verdicts = guardrails::check(&input, &output, &cfg);
    if output.action == Action::CreateReplica {
        verdicts.push(Verdict {
            rule: "runnable".into(),
            passed: false,
            reason: "automatic replicas are not issued by decisions; recorded only".into(),
        });
    }
    if output.action == Action::Switch && group.primary_agent_id.is_none() {
        verdicts.push(Verdict {
            rule: "primary_agent".into(),
            passed: false,
            reason: "PRIMARY agent unknown".into(),
        });
    }
    let blocked = guardrails::blocked(&verdicts);
    let acting = output.action == Action::Switch && !blocked;
    let outcome = match (output.action, blocked) {
        (Action::Switch | Action::CreateReplica, true) => "blocked",
        (Action::Switch, false) => "acted",
        (a, _) => a.as_str(),
    };
    let kind = runner.as_ref().map_or("unavailable", Runner::kind);
    engine.metrics.decisions.with_label_values(&[kind, output.action.as_str(), outcome]).inc();
    let decision = NewDecision {
        id: Uuid::now_v7(),
        evaluation_key: key,
        client_id: group.client_id,
        group_id: group.group_id,
        agent_id: group.primary_agent_id,
        trigger: group.next_trigger.clone(),
        model_id: (!model.id.is_nil()).then_some(model.id),
        model_name: model.name.clone(),
        model_version: model.version.clone(),
        arm: arm.as_str(),
        fallback_reason: rejected.as_ref().map(|r| format!("{}: {}", r.code, r.reason)),
        input_digest: digest,
        input_summary: summary,
        action: output.action.as_str(),
        target_mode: output.target.as_ref().map(|t| t.mode.as_str()),
        target_pool_id: output.target.as_ref().and_then(|t| t.pool_id.clone()),
        confidence: output.confidence,
        reasoning: output.reasoning.clone(),
        expected_saving_per_hour: output.expected_saving_per_hour,
        guardrails: json!(verdicts),
        blocked,
        from_mode: Some(input.instance.mode.clone()),
        from_pool_id: input.instance.pool_id.clone(),
        command_status: acting.then_some("queueing"),
        decided_at: now,
    };
    Evaluated { decision, rejected, output }
}

fn fallback(input: &DecisionInput) -> DecisionOutput {
    RiskAware::default().decide(input)
}
