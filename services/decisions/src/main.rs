//! `spot-decisions`: the decisions service as its own process.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What `spot-decisions --help` and `--version` print.
const INFO: spot_platform::cli::BinaryInfo = spot_platform::cli::BinaryInfo {
    name: spot_decisions::NAME,
    version: env!("CARGO_PKG_VERSION"),
    about: "Switch decisions: projects fleet and market state, scores pools with the configured model, records each decision",
    settings: spot_decisions::settings::SETTINGS,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    spot_platform::service::run_binary(&INFO, |settings, shutdown| async move {
        spot_decisions::start(&settings, shutdown).await
    })
    .await
}
