//! `spotctl`: run the whole stack, migrate, manage tenants.

use clap::{Parser, Subcommand};
use spot_platform::{Settings, Shutdown};
use spotctl::migrate::Direction;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "spotctl", version, about = "Operate the Spot Optimizer control plane")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every service in this process (what `make run` starts).
    Up,
    /// Apply every service's migrations (or revert with --down-to).
    Migrate {
        /// Only this service's schema.
        #[arg(long)]
        service: Option<String>,
        /// Revert down to this version instead (-1 reverts everything).
        #[arg(long, allow_hyphen_values = true)]
        down_to: Option<i64>,
    },
    /// Manage tenants through the gateway's admin API.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Create a tenant; prints {"id", "token"} (the token is shown only once).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        /// Gateway base URL.
        #[arg(long, env = "SPOT_API_URL", default_value = "http://127.0.0.1:8080")]
        api_url: String,
        /// Admin token.
        #[arg(long, env = "SPOT_ADMIN_TOKEN", hide_env_values = true)]
        admin_token: String,
    },
}

fn settings() -> Result<Settings, ExitCode> {
    Settings::load().map_err(|e| {
        eprintln!("spotctl: configuration error: {e}");
        ExitCode::from(2)
    })
}

async fn up() -> Result<(), ExitCode> {
    let settings = settings()?;
    let _telemetry = spot_platform::telemetry::init("spot", &settings).map_err(|e| {
        eprintln!("spotctl: telemetry: {e}");
        ExitCode::from(2)
    })?;
    let shutdown = Shutdown::on_signals();
    let stack = spotctl::stack::Stack::start(&settings, shutdown.clone()).await.map_err(|e| {
        eprintln!("spotctl up: failed to start: {e}");
        ExitCode::FAILURE
    })?;
    for (name, addr) in stack.addresses() {
        eprintln!("spotctl up: {name:<10} http://{addr}");
    }
    eprintln!("spotctl up: agents and operators use {}; Ctrl-C stops", stack.gateway_url());
    shutdown.wait().await;
    stack.stop(settings.shutdown_grace).await;
    Ok(())
}

async fn run(cli: Cli) -> Result<(), ExitCode> {
    match cli.command {
        Command::Up => up().await,
        Command::Migrate { service, down_to } => {
            let settings = settings()?;
            let direction = down_to.map_or(Direction::Up, Direction::DownTo);
            let report =
                spotctl::migrate::run(&settings, service.as_deref(), direction).await.map_err(|e| {
                    eprintln!("spotctl migrate: {e:#}");
                    ExitCode::FAILURE
                })?;
            for (schema, count) in report {
                println!(
                    "{schema}: {count} migration(s) {}",
                    if down_to.is_some() { "reverted" } else { "applied" }
                );
            }
            Ok(())
        }
        Command::Tenant { command: TenantCommand::Create { name, email, api_url, admin_token } } => {
            let created =
                spotctl::tenant::create(&api_url, &admin_token, &name, &email).await.map_err(|e| {
                    eprintln!("spotctl tenant create: {e:#}");
                    ExitCode::FAILURE
                })?;
            println!("{}", serde_json::json!({"id": created.id, "token": created.token}));
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
