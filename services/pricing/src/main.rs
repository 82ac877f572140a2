//! `spot-pricing`: the pricing service as its own process.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    spot_platform::service::run_binary(spot_pricing::NAME, |settings, shutdown| async move {
        spot_pricing::start(&settings, shutdown).await
    })
    .await
}
