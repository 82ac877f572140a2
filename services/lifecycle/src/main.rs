//! `spot-lifecycle`: the lifecycle service as its own process.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// What `spot-lifecycle --help` and `--version` print.
const INFO: spot_platform::cli::BinaryInfo = spot_platform::cli::BinaryInfo {
    name: spot_lifecycle::NAME,
    version: env!("CARGO_PKG_VERSION"),
    about: "Agents, groups, instances, commands and the audit log: applies heartbeats and reports, serves lifecycle gRPC",
    settings: spot_lifecycle::settings::SETTINGS,
};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    spot_platform::service::run_binary(&INFO, |settings, shutdown| async move {
        spot_lifecycle::start(&settings, shutdown).await
    })
    .await
}
