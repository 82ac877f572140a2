//! `spot-pricing`: the pricing service as its own process.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What `spot-pricing --help` and `--version` print.
const INFO: spot_platform::cli::BinaryInfo = spot_platform::cli::BinaryInfo {
    name: spot_pricing::NAME,
    version: env!("CARGO_PKG_VERSION"),
    about: "Spot prices: ingests pricing reports, consolidates the price history, publishes pool risk",
    settings: spot_pricing::settings::SETTINGS,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    spot_platform::service::run_binary(&INFO, |settings, shutdown| async move {
        spot_pricing::start(&settings, shutdown).await
    })
    .await
}
