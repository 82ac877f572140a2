//! `spot-emergency`: the emergency service as its own process.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What `spot-emergency --help` and `--version` print.
const INFO: spot_platform::cli::BinaryInfo = spot_platform::cli::BinaryInfo {
    name: spot_emergency::NAME,
    version: env!("CARGO_PKG_VERSION"),
    about: "Termination and rebalance notices: picks the safe pool, asks lifecycle for replicas or switches before the deadline",
    settings: spot_emergency::settings::SETTINGS,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    spot_platform::service::run_binary(&INFO, |settings, shutdown| async move {
        spot_emergency::start(&settings, shutdown).await
    })
    .await
}
