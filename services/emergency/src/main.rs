//! `spot-emergency`: the emergency service as its own process.

#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    spot_platform::service::run_binary(spot_emergency::NAME, |settings, shutdown| async move {
        spot_emergency::start(&settings, shutdown).await
    })
    .await
}
