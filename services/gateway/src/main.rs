//! `spot-gateway`: the gateway service as its own process.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What `spot-gateway --help` and `--version` print.
const INFO: spot_platform::cli::BinaryInfo = spot_platform::cli::BinaryInfo {
    name: spot_gateway::NAME,
    version: env!("CARGO_PKG_VERSION"),
    about: "HTTP edge for agents v4 and operators: authenticates, publishes reports to JetStream, answers from the services over gRPC",
    settings: spot_gateway::settings::SETTINGS,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    spot_platform::service::run_binary(&INFO, |settings, shutdown| async move {
        spot_gateway::start(&settings, shutdown).await
    })
    .await
}
