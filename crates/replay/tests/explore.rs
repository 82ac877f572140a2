//! Scratch: prints the replay table for a synthesized market (ignored).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use spot_replay::engine::report;
use spot_replay::synth::{Churn, SynthConfig, synthesize};
use spot_replay::{ReplayConfig, StrategyKind, run_all};

#[test]
#[ignore]
fn explore() {
    let churn = Churn::parse(&std::env::var("CHURN").unwrap_or("medium".into())).unwrap();
    let seed: u64 = std::env::var("SEED").unwrap_or("1".into()).parse().unwrap();
    let boot: f64 = std::env::var("BOOT").unwrap_or("180".into()).parse().unwrap();
    let target: Option<f64> = std::env::var("TARGET").ok().and_then(|t| t.parse().ok());
    let t0 = std::time::Instant::now();
    let trace = synthesize(&SynthConfig { seed, churn, ..SynthConfig::default() }).unwrap();
    eprintln!("synth {:?}", t0.elapsed());
    let mut cfg = ReplayConfig::new(boot, target, seed);
    cfg.workloads = Some(3);
    let t0 = std::time::Instant::now();
    let mut out = Vec::new();
    for k in StrategyKind::all() {
        let t1 = std::time::Instant::now();
        out.push(spot_replay::run_one(&trace, &cfg, &k));
        eprintln!("{} {:?}", k.name(), t1.elapsed());
    }
    let _ = run_all;
    eprintln!("replay {:?}", t0.elapsed());
    eprintln!("{}", report::table(&out));
}
