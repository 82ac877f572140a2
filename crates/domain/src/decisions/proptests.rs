//! Properties of the built-in policy over random markets: its answer always
//! passes output validation, never targets an `avoid` pool, and stays in
//! [0, 1] confidence.

use super::fixtures::input;
use super::*;
use proptest::prelude::*;

fn risk() -> impl Strategy<Value = RiskLevel> {
    prop_oneof![
        Just(RiskLevel::Safe),
        Just(RiskLevel::Caution),
        Just(RiskLevel::Avoid),
        Just(RiskLevel::Unknown)
    ]
}

proptest! {
    #[test]
    fn policy_answers_are_always_valid(
        prices in proptest::collection::vec(0.001f64..1.0, 3),
        risks in proptest::collection::vec(risk(), 3),
        notices in proptest::collection::vec(0u32..60, 3),
        target in 90.0f64..100.0,
        min_savings in 0.0f64..60.0,
        on_demand in any::<bool>(),
    ) {
        let mut i = input(prices[0], prices[1], prices[2]);
        for (k, c) in i.candidates.iter_mut().enumerate() {
            c.risk = risks[k];
            c.interruptions_30d = notices[k];
            if risks[k] == RiskLevel::Unknown { c.risk_score = None; }
        }
        i.settings.availability_target_percent = target;
        i.settings.min_savings_percent = min_savings;
        if on_demand {
            i.instance.mode = "ondemand".into();
            i.instance.pool_id = None;
        }
        prop_assert_eq!(i.validate(), Ok(()));
        let o = RiskAware::default().decide(&i);
        prop_assert!((0.0..=1.0).contains(&o.confidence));
        let checked = validate_output(&o.to_raw(), &i);
        prop_assert!(checked.is_ok(), "{:?} -> {:?}", o, checked);
        if let Some(p) = o.target.as_ref().and_then(|t| t.pool_id.as_deref()) {
            prop_assert!(i.candidate(p).is_some_and(|c| c.risk != RiskLevel::Avoid));
        }
    }
}
