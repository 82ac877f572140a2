//! `spot-lifecycle`: the lifecycle service as its own process.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    spot_platform::service::run_binary(spot_lifecycle::NAME, |settings, shutdown| async move {
        spot_lifecycle::start(&settings, shutdown).await
    })
    .await
}
