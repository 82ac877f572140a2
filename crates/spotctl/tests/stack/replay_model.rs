//! `spotctl replay --model-file` and `--model` (read from the registry's
//! table, no service running): the registry's test ONNX model replayed on
//! a small synthesized market next to the built-in policy.

use clap::Parser;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use spot_platform::store::connect;
use spot_replay::synth::{Churn, SynthConfig, synthesize};
use spot_testkit::TestDatabase;
use spotctl::replay::{Loaded, ReplayArgs, load_model, run};
use std::time::Duration;

const ONNX: &[u8] = include_bytes!("../../../../services/decisions/models/risk_linear.onnx");

#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    replay: ReplayArgs,
}

fn args(extra: &[&str]) -> ReplayArgs {
    let mut argv = vec!["replay"];
    argv.extend_from_slice(extra);
    Cli::parse_from(argv).replay
}

#[tokio::test]
async fn an_onnx_model_replays_from_a_file_and_from_the_registry() -> anyhow::Result<()> {
    let dir = std::env::temp_dir().join(format!("spot-replay-model-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let market = dir.join("market.csv");
    let trace = synthesize(&SynthConfig { seed: 3, churn: Churn::High, days: 2.0, ..SynthConfig::default() })
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    spot_replay::csv::write(&trace, std::io::BufWriter::new(std::fs::File::create(&market)?))?;
    let model_file = dir.join("risk_linear.onnx");
    std::fs::write(&model_file, ONNX)?;
    let market_arg = market.to_string_lossy().into_owned();
    let file_arg = model_file.to_string_lossy().into_owned();

    let from_file = args(&["--market", &market_arg, "--boot-seconds", "180", "--model-file", &file_arg]);
    let loaded = load_model(&from_file, None).await?;
    assert!(matches!(loaded, Some(Loaded::Onnx { .. })));
    let report = run(&from_file, loaded)?;
    let json: serde_json::Value = serde_json::from_str(report.lines().last().unwrap_or_default())?;
    let results = json["results"].as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = results.iter().filter_map(|r| r["policy"].as_str()).collect();
    assert_eq!(names, ["onnx:risk_linear", "always_on_demand"], "{report}");
    let onnx = &results[0];
    assert!(onnx["availability_percent"].as_f64().is_some_and(|a| a > 0.0 && a <= 100.0), "{onnx}");
    assert!(onnx["cost"].as_f64().is_some_and(|c| c > 0.0), "{onnx}");

    // A file that is not ONNX is refused with the registry's code.
    let junk = dir.join("junk.onnx");
    std::fs::write(&junk, b"PK\x03\x04 not a model")?;
    let junk_arg = junk.to_string_lossy().into_owned();
    let bad = load_model(
        &args(&["--market", &market_arg, "--boot-seconds", "180", "--model-file", &junk_arg]),
        None,
    )
    .await;
    assert!(bad.is_err_and(|e| e.to_string().contains("not_onnx")));

    // --model reads the registry's table directly.
    let database = TestDatabase::create().await?;
    let settings = spot_testkit::settings_at(&database.url, "nats://127.0.0.1:1")?;
    spotctl::migrate::run(&settings, Some("decisions"), spotctl::migrate::Direction::Up).await?;
    let db = connect(&settings, Duration::from_secs(5)).await?;
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "INSERT INTO decisions.models (id, name, version, kind, onnx) VALUES ($1, 'linear', '2', 'onnx', $2)",
        [uuid::Uuid::new_v4().into(), ONNX.to_vec().into()],
    ))
    .await?;
    db.execute_raw(Statement::from_string(
        DbBackend::Postgres,
        "INSERT INTO decisions.models (id, name, version, kind, endpoint) VALUES (gen_random_uuid(), 'remote', '1', 'external', 'http://127.0.0.1:1')",
    ))
    .await?;
    let by_name = args(&["--market", &market_arg, "--boot-seconds", "180", "--model", "linear@2"]);
    let loaded = load_model(&by_name, Some(&database.url)).await?;
    assert!(matches!(&loaded, Some(Loaded::Onnx { name, .. }) if name == "linear@2"));
    assert!(run(&by_name, loaded)?.contains("onnx:linear@2"));
    let builtin = args(&["--market", &market_arg, "--boot-seconds", "180", "--model", "risk_aware@1"]);
    assert!(matches!(load_model(&builtin, Some(&database.url)).await?, Some(Loaded::Builtin(_))));
    let external = args(&["--market", &market_arg, "--boot-seconds", "180", "--model", "remote@1"]);
    assert!(
        load_model(&external, Some(&database.url))
            .await
            .is_err_and(|e| e.to_string().contains("model server"))
    );
    let missing = args(&["--market", &market_arg, "--boot-seconds", "180", "--model", "nope@1"]);
    assert!(
        load_model(&missing, Some(&database.url))
            .await
            .is_err_and(|e| e.to_string().contains("no such model"))
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
