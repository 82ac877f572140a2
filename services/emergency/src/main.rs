//! `spot-emergency`: the emergency service as its own process.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    spot_platform::service::run_binary(spot_emergency::NAME, |settings, shutdown| async move {
        spot_emergency::start(&settings, shutdown).await
    })
    .await
}
