//! `spotctl replay`: a market trace replayed through the decisions policy,
//! the emergency rules and the baselines (crates/replay), printed as a
//! table and one JSON line; `--synthesize` writes a seeded trace from the
//! fleet simulator's market instead. docs/DECISIONS.md describes both.

use anyhow::{Context, bail};
use clap::Args;
use spot_replay::engine::report;
use spot_replay::synth::{Churn, SynthConfig, synthesize};
use spot_replay::{ReplayConfig, StrategyKind, run_all};
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Market trace (CSV: time,region,az,instance_type,spot_price,on_demand_price,available).
    #[arg(long, value_name = "FILE", required_unless_present = "synthesize")]
    pub market: Option<PathBuf>,
    /// Replay only this policy: risk_aware, greedy, single_pool, always_on_demand, oracle, rule_k<K>_h<H>_d<D>.
    #[arg(long, conflicts_with = "model")]
    pub policy: Option<String>,
    /// A registered model id (ONNX and external models run only in the decisions service for now).
    #[arg(long)]
    pub model: Option<String>,
    /// Seconds a replacement takes to be ready.
    #[arg(long, required_unless_present = "synthesize")]
    pub boot_seconds: Option<f64>,
    /// Availability target in percent (none: cost only).
    #[arg(long)]
    pub availability_target: Option<f64>,
    /// Seed of the boot-time jitter, and of the synthesized market.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Always-on workloads (default: one per region; N cycles over region x instance type).
    #[arg(long)]
    pub workloads: Option<usize>,
    /// Write a synthesized trace instead of replaying one.
    #[arg(long)]
    pub synthesize: bool,
    /// Where the synthesized trace goes (default: stdout).
    #[arg(long, requires = "synthesize")]
    pub out: Option<PathBuf>,
    /// Churn of the synthesized market: low, medium, high.
    #[arg(long, default_value = "medium", requires = "synthesize")]
    pub churn: String,
    /// Days of the synthesized market.
    #[arg(long, default_value_t = 45.0, requires = "synthesize")]
    pub days: f64,
    /// Tick of the synthesized market, seconds.
    #[arg(long, default_value_t = 195, requires = "synthesize")]
    pub tick_seconds: u64,
}

/// Runs the command; the report (table and JSON line) on success.
pub fn run(args: &ReplayArgs) -> anyhow::Result<String> {
    if args.synthesize {
        let churn = Churn::parse(&args.churn)
            .with_context(|| format!("unknown churn {:?} (low, medium, high)", args.churn))?;
        if !(args.days > 0.0 && args.days <= 400.0) {
            bail!("--days must be in (0, 400]");
        }
        let cfg = SynthConfig {
            seed: args.seed,
            days: args.days,
            tick_seconds: args.tick_seconds,
            churn,
            ..SynthConfig::default()
        };
        let trace = synthesize(&cfg).map_err(|e| anyhow::anyhow!("synthesizing: {e}"))?;
        match &args.out {
            Some(path) => {
                let file =
                    std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
                spot_replay::csv::write(&trace, BufWriter::new(file))?;
                return Ok(format!(
                    "wrote {} ({} pools x {} ticks, churn {}, seed {})\n",
                    path.display(),
                    trace.pools.len(),
                    trace.ticks(),
                    churn.as_str(),
                    args.seed
                ));
            }
            None => {
                let stdout = std::io::stdout();
                let mut lock = BufWriter::new(stdout.lock());
                spot_replay::csv::write(&trace, &mut lock)?;
                lock.flush()?;
                return Ok(String::new());
            }
        }
    }
    if let Some(model) = &args.model {
        bail!(
            "--model {model}: ONNX and external models are not replayable yet; replay --policy risk_aware (the built-in default)"
        );
    }
    let (Some(path), Some(boot)) = (&args.market, args.boot_seconds) else {
        bail!("--market and --boot-seconds are required");
    };
    if !(boot.is_finite() && boot >= 0.0) {
        bail!("--boot-seconds must be a non-negative number");
    }
    if let Some(t) = args.availability_target
        && !(0.0..100.0).contains(&t)
    {
        bail!("--availability-target must be in [0, 100)");
    }
    let kinds = match &args.policy {
        Some(name) => {
            let k = StrategyKind::parse(name).with_context(|| format!("unknown policy {name:?}"))?;
            // On-demand is the yardstick of savings: always reported.
            if k == StrategyKind::AlwaysOnDemand { vec![k] } else { vec![k, StrategyKind::AlwaysOnDemand] }
        }
        None => StrategyKind::all(),
    };
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let trace =
        spot_replay::csv::read(BufReader::new(file)).with_context(|| format!("{}", path.display()))?;
    let mut cfg = ReplayConfig::new(boot, args.availability_target, args.seed);
    cfg.workloads = args.workloads;
    let started = Instant::now();
    let outcomes = run_all(&trace, &cfg, &kinds);
    let elapsed = started.elapsed().as_secs_f64();
    Ok(format!("{}{}\n", report::table(&outcomes), report::json_line(&trace, &cfg, &outcomes, elapsed)))
}
