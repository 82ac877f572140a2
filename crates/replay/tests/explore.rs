//! The frontier table of docs/DECISIONS.md, reproduced on demand (one
//! synthesized market at a time is `spotctl replay --synthesize` then
//! `spotctl replay --market`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use spot_replay::synth::{Churn, SynthConfig, synthesize};
use spot_replay::{ReplayConfig, StrategyKind};

/// The frontier of docs/DECISIONS.md: three synthesized markets, boot 90
/// and 180 s, several targets, with the baselines (ignored: about 13
/// CPU-minutes in a debug build;
/// `cargo test -p spot-replay --test explore -- --ignored frontier --nocapture`).
#[test]
#[ignore = "measurement, not a check: prints the frontier table of docs/DECISIONS.md (about 13 CPU-minutes in debug)"]
fn frontier() {
    let markets = [(Churn::Low, 11u64), (Churn::Medium, 22), (Churn::High, 33)];
    println!(
        "| market | boot s | policy | target % | savings % | availability % | interruptions | switches | replica h | on-demand h |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (churn, seed) in markets {
        let trace = synthesize(&SynthConfig { seed, churn, ..SynthConfig::default() }).unwrap();
        for boot in [90.0, 180.0] {
            let mut cfg = ReplayConfig::new(boot, None, seed);
            cfg.workloads = Some(3);
            let label = format!("{} (seed {seed})", churn.as_str());
            let row = |o: &spot_replay::Outcome, target: &str| {
                println!(
                    "| {label} | {boot} | {} | {target} | {:.2} | {:.4} | {} | {} | {:.0} | {:.0} |",
                    o.policy,
                    o.savings_percent,
                    o.availability_percent,
                    o.interruptions,
                    o.switches,
                    o.replica_hours,
                    o.on_demand_hours
                );
            };
            let base: Vec<_> = StrategyKind::all()
                .into_iter()
                .filter(|k| *k != StrategyKind::Builtin)
                .map(|k| spot_replay::run_one(&trace, &cfg, &k))
                .collect();
            for o in &base {
                row(o, "-");
            }
            let greedy = base.iter().find(|o| o.policy == "greedy").unwrap().clone();
            for target in [None, Some(99.5), Some(99.9), Some(99.95)] {
                let mut c = cfg.clone();
                c.availability_target = target;
                c.settings.availability_target_percent = target.unwrap_or(0.0);
                let o = spot_replay::run_one(&trace, &c, &StrategyKind::Builtin);
                row(&o, &target.map_or("none".into(), |t| t.to_string()));
                match target {
                    None => eprintln!(
                        "{label} boot {boot}: no target: {:.1}% of greedy's savings",
                        o.savings_percent / greedy.savings_percent * 100.0
                    ),
                    Some(t) => {
                        let best_rule = base
                            .iter()
                            .filter(|b| b.policy.starts_with("rule_") && b.availability_percent >= t)
                            .max_by(|a, b| a.savings_percent.total_cmp(&b.savings_percent));
                        eprintln!(
                            "{label} boot {boot} target {t}: policy {:.2}% at {:.4}% (meets {}), greedy {:.4}% (meets {}), best rule meeting it: {}",
                            o.savings_percent,
                            o.availability_percent,
                            o.availability_percent >= t,
                            greedy.availability_percent,
                            greedy.availability_percent >= t,
                            best_rule.map_or("none".into(), |r| format!(
                                "{} {:.2}% -> ratio {:.2}",
                                r.policy,
                                r.savings_percent,
                                o.savings_percent / r.savings_percent
                            ))
                        );
                    }
                }
            }
        }
    }
}

/// One market, the built-in policy at one target (env CHURN, SEED, BOOT,
/// TARGET, DAYS): the quick loop behind the frontier.
#[test]
#[ignore = "measurement, not a check: prints one line per run"]
fn probe() {
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_owned());
    let churn = Churn::parse(&env("CHURN", "high")).unwrap();
    let seed: u64 = env("SEED", "33").parse().unwrap();
    let boot: f64 = env("BOOT", "180").parse().unwrap();
    let days: f64 = env("DAYS", "45").parse().unwrap();
    let target: Option<f64> = env("TARGET", "99.9").parse().ok();
    let trace = synthesize(&SynthConfig { seed, churn, days, ..SynthConfig::default() }).unwrap();
    let mut cfg = ReplayConfig::new(boot, target, seed);
    cfg.workloads = Some(3);
    let started = std::time::Instant::now();
    let kinds: Vec<StrategyKind> = match std::env::var("POLICIES") {
        Ok(list) => list.split(',').filter_map(StrategyKind::parse).collect(),
        Err(_) => vec![StrategyKind::Builtin],
    };
    for kind in kinds {
        let o = spot_replay::run_one(&trace, &cfg, &kind);
        println!(
            "{} seed {seed} boot {boot} target {target:?}: {} ({:.1}s)",
            churn.as_str(),
            spot_replay::engine::report::row(&o),
            started.elapsed().as_secs_f64()
        );
    }
}

/// The targets on several seeds per churn level (env CHURNS,
/// SEEDS, BOOT, TARGET, DAYS; `BASELINES=DIR` keeps the baselines'
/// outcomes there between runs, as they do not depend on the policy): per
/// market, greedy, the best k/H/D rule reaching the target, the built-in
/// policy with and without the target, and the ratios the issue asks for.
#[test]
#[ignore = "measurement, not a check: prints one line per market"]
fn seeds() {
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_owned());
    let boot: f64 = env("BOOT", "180").parse().unwrap();
    let days: f64 = env("DAYS", "45").parse().unwrap();
    let target: f64 = env("TARGET", "99.9").parse().unwrap();
    let cache = std::env::var("BASELINES").ok().map(std::path::PathBuf::from);
    println!(
        "| market | greedy savings / avail | best rule >= {target} | risk_aware at {target}: savings / avail | ratio | oracle / best rule | no target: % of greedy |"
    );
    println!("|---|---|---|---|---|---|---|");
    for churn in env("CHURNS", "low,medium,high").split(',').filter_map(Churn::parse) {
        for seed in env("SEEDS", "1,2,3,4").split(',').filter_map(|s| s.parse::<u64>().ok()) {
            let trace = synthesize(&SynthConfig { seed, churn, days, ..SynthConfig::default() }).unwrap();
            let mut free = ReplayConfig::new(boot, None, seed);
            free.workloads = Some(3);
            let key = cache.as_ref().map(|d| d.join(format!("{}-{seed}-{boot}-{days}.json", churn.as_str())));
            let cached: Option<Vec<(String, f64, f64)>> = key
                .as_ref()
                .and_then(|k| std::fs::read_to_string(k).ok())
                .and_then(|t| serde_json::from_str(&t).ok());
            let base = cached.unwrap_or_else(|| {
                let v: Vec<(String, f64, f64)> = StrategyKind::all()
                    .into_iter()
                    .filter(|k| *k != StrategyKind::Builtin && *k != StrategyKind::AlwaysOnDemand)
                    .map(|k| spot_replay::run_one(&trace, &free, &k))
                    .map(|o| (o.policy, o.savings_percent, o.availability_percent))
                    .collect();
                if let Some(k) = &key {
                    std::fs::create_dir_all(k.parent().unwrap()).unwrap();
                    std::fs::write(k, serde_json::to_string(&v).unwrap()).unwrap();
                }
                v
            });
            let find = |name: &str| base.iter().find(|b| b.0 == name).unwrap().clone();
            let greedy = find("greedy");
            let oracle = find("oracle");
            let rule = base
                .iter()
                .filter(|b| b.0.starts_with("rule_") && b.2 >= target)
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .cloned();
            let none = spot_replay::run_one(&trace, &free, &StrategyKind::Builtin);
            let mut tight = ReplayConfig::new(boot, Some(target), seed);
            tight.workloads = Some(3);
            let kept = spot_replay::run_one(&trace, &tight, &StrategyKind::Builtin);
            let (rule_txt, ratio, bound) = match &rule {
                Some(r) => (
                    format!("{} {:.2} %", r.0, r.1),
                    format!("{:.2}", kept.savings_percent / r.1),
                    format!("{:.2}", oracle.1 / r.1),
                ),
                None => ("none".into(), "-".into(), "-".into()),
            };
            println!(
                "| {} seed {seed} | {:.2} % / {:.3} %{} | {rule_txt} | {:.2} % / {:.3} %{} | {ratio} | {bound} | {:.1} % |",
                churn.as_str(),
                greedy.1,
                greedy.2,
                if greedy.2 >= target { "" } else { " (misses)" },
                kept.savings_percent,
                kept.availability_percent,
                if kept.availability_percent >= target { "" } else { " (MISSES)" },
                none.savings_percent / greedy.1 * 100.0
            );
        }
    }
}
