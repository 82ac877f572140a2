//! Validation of inputs and of model outputs.

use super::fixtures::{input, window};
use super::*;

fn raw(action: &str, mode: Option<&str>, pool: Option<&str>, confidence: f64) -> RawOutput {
    RawOutput {
        action: action.into(),
        target_mode: mode.map(Into::into),
        target_pool_id: pool.map(Into::into),
        confidence,
        reasoning: "test".into(),
        expected_saving_per_hour: 0.01,
        alternatives: vec![],
    }
}

#[test]
fn a_well_formed_input_validates() {
    assert_eq!(input(0.05, 0.03, 0.04).validate(), Ok(()));
}

#[test]
fn bad_inputs_are_refused_with_their_reason() {
    let mut i = input(0.05, 0.03, 0.04);
    i.schema_version = 2;
    assert_eq!(i.validate(), Err(InputError::Version(2)));
    let mut i = input(0.05, 0.03, 0.04);
    i.on_demand_price = f64::NAN;
    assert_eq!(i.validate(), Err(InputError::Price("on_demand_price")));
    let mut i = input(0.05, 0.03, 0.04);
    i.settings.availability_target_percent = 100.5;
    assert_eq!(i.validate(), Err(InputError::Range("availability_target_percent")));
    let mut i = input(0.05, 0.03, 0.04);
    i.candidates[1].points[3].price = -1.0;
    assert!(matches!(i.validate(), Err(InputError::Pool(p, _)) if p == "m5.large.us-east-1b"));
    let mut i = input(0.05, 0.03, 0.04);
    i.candidates[2].points.swap(0, 1);
    assert!(matches!(i.validate(), Err(InputError::Pool(_, m)) if m.contains("ascending")));
    let mut i = input(0.05, 0.03, 0.04);
    i.candidates.push(window("m5.large.us-east-1b", 0.02, RiskLevel::Safe));
    assert!(matches!(i.validate(), Err(InputError::Pool(_, m)) if m.contains("twice")));
    let mut i = input(0.05, 0.03, 0.04);
    i.candidates[0].pool_id = "nodot".into();
    assert!(matches!(i.validate(), Err(InputError::Pool(_, _))));
}

#[test]
fn a_valid_switch_output_is_typed() {
    let i = input(0.05, 0.03, 0.04);
    let out = validate_output(&raw("SWITCH", Some("spot"), Some("m5.large.us-east-1b"), 0.8), &i);
    let out = out.map(|o| (o.action, o.target));
    let want = Target { mode: TargetMode::Spot, pool_id: Some("m5.large.us-east-1b".into()) };
    assert_eq!(out, Ok((Action::Switch, Some(want))));
}

#[test]
fn invalid_outputs_are_refused_with_stable_codes() {
    let mut i = input(0.05, 0.03, 0.04);
    i.candidates[2].risk = RiskLevel::Avoid;
    let cases = [
        (raw("JUMP", None, None, 0.5), "unknown_action"),
        (raw("STAY", None, None, 1.5), "confidence_out_of_range"),
        (raw("STAY", None, None, -0.1), "confidence_out_of_range"),
        (raw("STAY", None, None, f64::NAN), "not_finite"),
        (raw("SWITCH", None, None, 0.5), "missing_target"),
        (raw("SWITCH", Some("spot"), None, 0.5), "missing_target"),
        (raw("SWITCH", Some("moon"), Some("m5.large.us-east-1b"), 0.5), "unknown_mode"),
        (raw("SWITCH", Some("spot"), Some("m5.large.eu-west-1a"), 0.5), "unknown_pool"),
        (raw("SWITCH", Some("spot"), Some("m5.large.us-east-1c"), 0.5), "unsafe_pool"),
        (raw("SWITCH", Some("spot"), Some("m5.large.us-east-1a"), 0.5), "target_is_current"),
    ];
    for (r, code) in cases {
        let got = validate_output(&r, &i).map_err(|e| e.code());
        assert_eq!(got.map(|_| ()), Err(code), "{r:?}");
    }
    let mut r = raw("STAY", None, None, 0.5);
    r.expected_saving_per_hour = f64::INFINITY;
    assert_eq!(validate_output(&r, &i).map_err(|e| e.code()).map(|_| ()), Err("not_finite"));
    r.expected_saving_per_hour = 0.0;
    r.reasoning = "x".repeat(3_000);
    assert_eq!(validate_output(&r, &i).map_err(|e| e.code()).map(|_| ()), Err("reasoning_too_long"));
}

#[test]
fn stay_drops_any_target_and_ondemand_needs_no_pool() {
    let i = input(0.05, 0.03, 0.04);
    let stay = validate_output(&raw("STAY", Some("spot"), Some("m5.large.us-east-1b"), 0.5), &i);
    assert_eq!(stay.map(|o| o.target), Ok(None));
    let od = validate_output(&raw("SWITCH", Some("ondemand"), None, 0.5), &i);
    assert_eq!(od.map(|o| o.target.map(|t| t.mode)), Ok(Some(TargetMode::Ondemand)));
}
