//! Waiting in tests for what happens asynchronously (a consumer applying an
//! event, a job running, a simulated fleet getting somewhere): the one
//! polling loop every test uses.

use std::fmt::Debug;
use std::time::{Duration, Instant};

/// How often [`eventually`] asks again.
const EVERY: Duration = Duration::from_millis(50);

/// Calls `probe` until what it returns satisfies `done`, and returns that.
/// An error from `probe` counts as "not yet" (a row that is not there yet);
/// after `within`, fails with `what` and the last answer.
pub async fn eventually<T: Debug>(
    what: &str,
    within: Duration,
    mut probe: impl AsyncFnMut() -> anyhow::Result<T>,
    done: impl Fn(&T) -> bool,
) -> anyhow::Result<T> {
    let deadline = Instant::now() + within;
    loop {
        let last = probe().await;
        match last {
            Ok(value) if done(&value) => return Ok(value),
            _ if Instant::now() >= deadline => {
                anyhow::bail!("{what}: not reached within {within:?}; last: {last:?}")
            }
            _ => tokio::time::sleep(EVERY).await,
        }
    }
}
