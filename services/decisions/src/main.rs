//! `spot-decisions`: the decisions service as its own process.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    spot_platform::service::run_binary(spot_decisions::NAME, |settings, shutdown| async move {
        spot_decisions::start(&settings, shutdown).await
    })
    .await
}
