//! `spotctl`: run the whole stack, migrate, manage tenants.

use clap::{Parser, Subcommand};
use spot_platform::{Settings, Shutdown};
use spotctl::migrate::Direction;
use std::process::ExitCode;

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Debug, Parser)]
#[command(name = "spotctl", version, about = "Operate the Spot Optimizer control plane")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every service in this process (what `make run` starts).
    Up {
        /// Also run N simulated v4 agents against the stack (default 200), as `make demo` does.
        #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "200")]
        demo: Option<usize>,
    },
    /// Run a simulated fleet against a running gateway; progress on stderr, a JSON summary on stdout.
    Simulate(spotctl::simulate::SimulateArgs),
    /// Apply every service's migrations (or revert with --down-to).
    Migrate {
        /// Only this service's schema.
        #[arg(long)]
        service: Option<String>,
        /// Revert down to this version instead (-1 reverts everything).
        #[arg(long, allow_hyphen_values = true)]
        down_to: Option<i64>,
    },
    #[command(flatten)]
    Operator(spotctl::operator::OperatorCommand),
    /// Manage tenants through the gateway's admin API.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Pricing jobs through the gateway's admin API.
    Pricing {
        #[command(subcommand)]
        command: PricingCommand,
    },
    /// Replay a market trace through the built-in policy and the baselines (or --synthesize one).
    Replay(spotctl::replay::ReplayArgs),
    /// Export data from the database (reads DATABASE_URL like the services).
    Export {
        #[command(subcommand)]
        command: spotctl::export::ExportCommand,
    },
    /// The fault suite: two replicas of every service, a simulated fleet and a schedule of faults
    /// (kill -9, NATS and Postgres restarts, paused processes); a table per fault and a ledger of
    /// lost or doubled effects. Exits 1 when a target is missed (docs/HARDENING.md).
    Chaos(spotctl::chaos::ChaosArgs),
    /// Measure this machine (prints a table and one JSON line).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Debug, Subcommand)]
enum PricingCommand {
    /// Run a consolidation now (default window: the last SPOT_CONSOLIDATION_WINDOW_HOURS); prints the job.
    Consolidate {
        /// Window start (ISO-8601).
        #[arg(long)]
        from: Option<String>,
        /// Window end (ISO-8601).
        #[arg(long)]
        to: Option<String>,
        #[command(flatten)]
        api: Api,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Decision latency (built-in, ONNX) and one evaluation round over N auto-switch groups.
    Decisions(spotctl::bench::decisions::DecisionsArgs),
    /// Staging ingest, 12 h consolidation and canonical refresh against a throw-away database.
    Pricing(spotctl::bench::pricing::PricingArgs),
    /// Notice answers under load, a mass interruption, promotions and deadlines (own stack in-process).
    Emergency(spotctl::bench::emergency::EmergencyArgs),
    /// A simulated v4 fleet against the five service binaries: rates, latency, lag, CPU, memory, ceiling.
    Ingest(spotctl::bench::ingest::IngestArgs),
    /// The five service binaries under a steady v4 fleet for a long time: memory, connections, latency per minute.
    Soak(spotctl::bench::soak::SoakArgs),
    /// Bus event -> SSE client latency with many concurrent live streams (own stack in-process).
    Sse(spotctl::bench::sse::SseArgs),
    /// The bare actix-web heartbeat endpoint `bench ingest` compares the gateway with.
    #[command(hide = true)]
    CeilingServer(spotctl::bench::ceiling::CeilingArgs),
}

#[derive(Debug, clap::Args)]
struct Api {
    /// Gateway base URL.
    #[arg(long, env = "SPOT_API_URL", default_value = "http://127.0.0.1:8080")]
    api_url: String,
    /// Admin token.
    #[arg(long, env = "SPOT_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: String,
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Create a tenant; prints {"id", "token"} (the token is shown only once).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        #[command(flatten)]
        api: Api,
    },
}

/// What `run` maps an error to: the line saying what failed (with the
/// error's causes) on stderr, and the exit code.
fn failed<E: std::fmt::Display>(what: &str, code: ExitCode) -> impl FnOnce(E) -> ExitCode + '_ {
    move |e| {
        eprintln!("{what}: {e:#}");
        code
    }
}

fn settings() -> Result<Settings, ExitCode> {
    Settings::load()
        .and_then(|s| spotctl::settings::check_file(&s).map(|()| s))
        .map_err(failed("spotctl: configuration error", ExitCode::from(2)))
}

async fn up(demo: Option<usize>) -> Result<(), ExitCode> {
    let mut settings = settings()?;
    let gateway = spot_gateway::settings::GatewaySettings::load(&settings)
        .map_err(failed("spotctl: configuration error", ExitCode::from(2)))?;
    let mut admin_token = gateway.admin_token.map(|t| t.expose().to_owned());
    if demo.is_some() && admin_token.is_none() {
        // The demo creates its tenants through the admin API.
        let token = format!("demo-{}", uuid::Uuid::new_v4().simple());
        settings.source.set("SPOT_ADMIN_TOKEN", token.clone());
        admin_token = Some(token);
    }
    let _telemetry = spot_platform::telemetry::init("spot", &settings)
        .map_err(failed("spotctl: telemetry", ExitCode::from(2)))?;
    let shutdown = Shutdown::on_signals();
    // With a demo fleet, the stack stops only after the fleet said goodbye.
    let stack_shutdown = if demo.is_some() { Shutdown::new() } else { shutdown.clone() };
    let stack = spotctl::stack::Stack::start(&settings, stack_shutdown)
        .await
        .map_err(failed("spotctl up: failed to start", ExitCode::FAILURE))?;
    for (name, addr) in stack.addresses() {
        eprintln!("spotctl up: {name:<10} http://{addr}");
    }
    eprintln!("spotctl up: agents and operators use {}; Ctrl-C stops", stack.gateway_url());
    if let (Some(agents), Some(admin)) = (demo, admin_token) {
        let url = stack.gateway_url();
        if let Err(e) = spotctl::simulate::demo(agents, &url, &admin, shutdown.clone()).await {
            eprintln!("spotctl up: demo fleet stopped: {e:#}");
        }
    }
    shutdown.wait().await;
    stack.stop(settings.shutdown_grace).await;
    Ok(())
}

/// Runs a bench and prints its report.
async fn bench(command: BenchCommand) -> Result<(), ExitCode> {
    use spotctl::bench;
    let (name, report) = match command {
        BenchCommand::CeilingServer(args) => {
            return bench::ceiling::serve(&args)
                .await
                .map_err(failed("spotctl bench ceiling-server", ExitCode::FAILURE));
        }
        BenchCommand::Ingest(args) => ("ingest", bench::ingest::run(&settings()?, &args).await),
        BenchCommand::Soak(args) => ("soak", bench::soak::run(&settings()?, &args).await),
        BenchCommand::Emergency(args) => {
            let settings = settings()?;
            let _telemetry = spot_platform::telemetry::init("spot-bench", &settings)
                .map_err(failed("spotctl: telemetry", ExitCode::from(2)))?;
            ("emergency", bench::emergency::run(&settings, &args).await)
        }
        BenchCommand::Decisions(args) => ("decisions", bench::decisions::run(&settings()?, &args).await),
        BenchCommand::Sse(args) => ("sse", bench::sse::run(&settings()?, &args).await),
        BenchCommand::Pricing(args) => ("pricing", bench::pricing::run(&settings()?, &args).await),
    };
    let report = report.map_err(failed(&format!("spotctl bench {name}"), ExitCode::FAILURE))?;
    print!("{}", report.render());
    Ok(())
}

async fn run(cli: Cli) -> Result<(), ExitCode> {
    match cli.command {
        Command::Up { demo } => up(demo).await,
        Command::Replay(args) => {
            let db_url = (args.model.is_some())
                .then(|| settings().map(|s| s.database_url.expose().to_owned()))
                .transpose()?;
            let model = spotctl::replay::load_model(&args, db_url.as_deref())
                .await
                .map_err(failed("spotctl replay", ExitCode::from(2)))?;
            let report =
                spotctl::replay::run(&args, model).map_err(failed("spotctl replay", ExitCode::from(2)))?;
            print!("{report}");
            Ok(())
        }
        Command::Export { command: spotctl::export::ExportCommand::Training(args) } => {
            spotctl::export::range(&args).map_err(failed("spotctl export training", ExitCode::from(2)))?;
            let settings = settings()?;
            let summary = async {
                let db = spot_platform::store::connect(&settings, std::time::Duration::from_secs(10)).await?;
                let mut bar: Option<spotctl::export::Progress> = None;
                spotctl::export::training(&db, &args, &mut |done, total| {
                    bar.get_or_insert_with(|| spotctl::export::Progress::stderr(total)).update(done);
                })
                .await
            }
            .await
            .map_err(failed("spotctl export training", ExitCode::FAILURE))?;
            println!(
                "wrote {} ({} rows, {} row groups)",
                args.out.display(),
                summary.rows,
                summary.row_groups
            );
            Ok(())
        }
        Command::Chaos(args) => {
            let outcome =
                spotctl::chaos::run(&args).await.map_err(failed("spotctl chaos", ExitCode::FAILURE))?;
            print!("{}", outcome.report.render());
            if outcome.missed.is_empty() {
                println!("chaos: every target met");
                Ok(())
            } else {
                for m in &outcome.missed {
                    eprintln!("chaos: missed: {m}");
                }
                Err(ExitCode::FAILURE)
            }
        }
        Command::Simulate(args) => {
            let summary = spotctl::simulate::run(&args, Shutdown::on_signals())
                .await
                .map_err(failed("spotctl simulate", ExitCode::FAILURE))?;
            println!("{summary}");
            Ok(())
        }
        Command::Bench { command } => bench(command).await,
        Command::Migrate { service, down_to } => {
            let settings = settings()?;
            let direction = down_to.map_or(Direction::Up, Direction::DownTo);
            let report = spotctl::migrate::run(&settings, service.as_deref(), direction)
                .await
                .map_err(failed("spotctl migrate", ExitCode::FAILURE))?;
            for (schema, count) in report {
                println!(
                    "{schema}: {count} migration(s) {}",
                    if down_to.is_some() { "reverted" } else { "applied" }
                );
            }
            Ok(())
        }
        Command::Operator(command) => {
            let out = spotctl::operator::run(&command).await.map_err(failed("spotctl", ExitCode::FAILURE))?;
            print!("{out}");
            Ok(())
        }
        Command::Tenant { command: TenantCommand::Create { name, email, api } } => {
            let created = spotctl::admin::create_tenant(&api.api_url, &api.admin_token, &name, &email)
                .await
                .map_err(failed("spotctl tenant create", ExitCode::FAILURE))?;
            println!("{}", serde_json::json!({"id": created.id, "token": created.token}));
            Ok(())
        }
        Command::Pricing { command: PricingCommand::Consolidate { from, to, api } } => {
            let job =
                spotctl::admin::consolidate(&api.api_url, &api.admin_token, from.as_deref(), to.as_deref())
                    .await
                    .map_err(failed("spotctl pricing consolidate", ExitCode::FAILURE))?;
            println!("{job}");
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}
