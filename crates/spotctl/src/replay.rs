//! `spotctl replay`: a market trace replayed through the decisions policy,
//! the emergency rules and the baselines (crates/replay), printed as a
//! table and one JSON line; `--synthesize` writes a seeded trace from the
//! fleet simulator's market instead. docs/DECISIONS.md describes both.

use anyhow::{Context, bail};
use clap::Args;
use sea_orm::ConnectionTrait;
use spot_decisions::engine::onnx::OnnxModel;
use spot_replay::engine::report;
use spot_replay::engine::strategies::Model;
use spot_replay::synth::{Churn, SynthConfig, synthesize};
use spot_replay::{ReplayConfig, StrategyKind, run_all, run_model};
use std::io::{BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Market trace (CSV: time,region,az,instance_type,spot_price,on_demand_price,available).
    #[arg(long, value_name = "FILE", required_unless_present = "synthesize")]
    pub market: Option<PathBuf>,
    /// Replay only this policy: risk_aware, greedy, single_pool, always_on_demand, oracle, rule_k<K>_h<H>_d<D>.
    #[arg(long, conflicts_with_all = ["model", "model_file"])]
    pub policy: Option<String>,
    /// A registered model (its id, or name@version), read from the registry's table in the
    /// database (DATABASE_URL; no service needs to run): built-in or ONNX. External models need
    /// their model server and are refused.
    #[arg(long, conflicts_with = "model_file")]
    pub model: Option<String>,
    /// An ONNX model file (the registry's tensor contract, docs/DECISIONS.md), replayed as `--model` would.
    #[arg(long, value_name = "FILE.onnx")]
    pub model_file: Option<PathBuf>,
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

/// A model to replay, loaded from the registry or a file.
pub enum Loaded {
    /// A built-in policy: replayed as `--policy` (with its market memory).
    Builtin(StrategyKind),
    Onnx {
        name: String,
        model: Box<OnnxModel>,
    },
}

/// Loads `--model-file`, or `--model` from the registry's table
/// (`decisions.models`) through `db_url`.
pub async fn load_model(args: &ReplayArgs, db_url: Option<&str>) -> anyhow::Result<Option<Loaded>> {
    if let Some(path) = &args.model_file {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let model = OnnxModel::load(&bytes)
            .map_err(|(code, msg)| anyhow::anyhow!("{}: {code}: {msg}", path.display()))?;
        let name = path.file_stem().map_or_else(|| "onnx".into(), |s| s.to_string_lossy().into_owned());
        return Ok(Some(Loaded::Onnx { name, model: Box::new(model) }));
    }
    let Some(id) = &args.model else { return Ok(None) };
    let url = db_url.context("--model reads the model registry: set DATABASE_URL")?;
    let db = sea_orm::Database::connect(url).await.context("connecting to the database")?;
    let (sql, value): (&str, sea_orm::Value) = match uuid::Uuid::parse_str(id) {
        Ok(uuid) => {
            ("SELECT name, version, kind, policy, onnx FROM decisions.models WHERE id = $1", uuid.into())
        }
        Err(_) => {
            let (name, version) =
                id.split_once('@').with_context(|| format!("--model {id:?}: a model id or name@version"))?;
            let sql = "SELECT name, version, kind, policy, onnx FROM decisions.models WHERE name = $1 AND version = $2";
            let row = db
                .query_one_raw(sea_orm::Statement::from_sql_and_values(
                    sea_orm::DbBackend::Postgres,
                    sql,
                    [name.into(), version.into()],
                ))
                .await?;
            return loaded(id, row);
        }
    };
    let row = db
        .query_one_raw(sea_orm::Statement::from_sql_and_values(sea_orm::DbBackend::Postgres, sql, [value]))
        .await?;
    loaded(id, row)
}

fn loaded(id: &str, row: Option<sea_orm::QueryResult>) -> anyhow::Result<Option<Loaded>> {
    let row = row.with_context(|| format!("--model {id}: no such model in the registry"))?;
    let name: String = row.try_get("", "name")?;
    let version: String = row.try_get("", "version")?;
    let kind: String = row.try_get("", "kind")?;
    match kind.as_str() {
        "builtin" => {
            let policy: Option<String> = row.try_get("", "policy")?;
            let policy = policy.unwrap_or_default();
            let k = StrategyKind::parse(&policy)
                .with_context(|| format!("unknown built-in policy {policy:?}"))?;
            Ok(Some(Loaded::Builtin(k)))
        }
        "onnx" => {
            let bytes: Option<Vec<u8>> = row.try_get("", "onnx")?;
            let model = OnnxModel::load(&bytes.unwrap_or_default())
                .map_err(|(code, msg)| anyhow::anyhow!("{name}@{version}: {code}: {msg}"))?;
            Ok(Some(Loaded::Onnx { name: format!("{name}@{version}"), model: Box::new(model) }))
        }
        other => bail!(
            "--model {name}@{version} is {other}: it answers from its model server (gRPC), which a replay does not call"
        ),
    }
}

/// Runs the command; the report (table and JSON line) on success.
pub fn run(args: &ReplayArgs, model: Option<Loaded>) -> anyhow::Result<String> {
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
    let (kinds, onnx) = match (model, &args.policy) {
        (Some(Loaded::Builtin(k)), _) => (vec![k, StrategyKind::AlwaysOnDemand], None),
        (Some(Loaded::Onnx { name, model }), _) => (vec![StrategyKind::AlwaysOnDemand], Some((name, model))),
        (None, Some(name)) => {
            let k = StrategyKind::parse(name).with_context(|| format!("unknown policy {name:?}"))?;
            // On-demand is the yardstick of savings: always reported.
            (
                if k == StrategyKind::AlwaysOnDemand {
                    vec![k]
                } else {
                    vec![k, StrategyKind::AlwaysOnDemand]
                },
                None,
            )
        }
        (None, None) => (StrategyKind::all(), None),
    };
    let reading = Instant::now();
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let trace =
        spot_replay::csv::read(BufReader::new(file)).with_context(|| format!("{}", path.display()))?;
    let read_secs = reading.elapsed().as_secs_f64();
    let mut cfg = ReplayConfig::new(boot, args.availability_target, args.seed);
    cfg.workloads = args.workloads;
    let started = Instant::now();
    let mut outcomes = Vec::new();
    if let Some((name, onnx)) = onnx {
        let mut model = Model {
            name: format!("onnx:{name}"),
            decide: Box::new(move |input| onnx.decide(input)),
            failures: 0,
        };
        outcomes.push(run_model(&trace, &cfg, &mut model));
        if model.failures > 0 {
            eprintln!(
                "spotctl replay: {} model answers were errors or refused outputs (the service's built-in fallback would have decided; the replay stayed)",
                model.failures
            );
        }
    }
    outcomes.extend(run_all(&trace, &cfg, &kinds));
    let elapsed = started.elapsed().as_secs_f64();
    let timing = format!(
        "timing: replay {elapsed:.2} s for {} policies over {} pools x {} ticks ({:.1} days); reading the trace {read_secs:.2} s\n",
        outcomes.len(),
        trace.pools.len(),
        trace.ticks(),
        trace.duration_secs() / 86_400.0
    );
    Ok(format!(
        "{}{timing}{}\n",
        report::table(&outcomes),
        report::json_line(&trace, &cfg, &outcomes, elapsed)
    ))
}
