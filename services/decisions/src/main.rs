//! `spot-decisions`: the decisions service as its own process.

spot_platform::service_main!(
    spot_decisions,
    "Switch decisions: projects fleet and market state, scores pools with the configured model, records each decision"
);
