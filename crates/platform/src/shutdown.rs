//! Shutdown is a token passed to every task: SIGTERM or Ctrl-C cancels it,
//! tasks stop taking new work, finish what is in flight, and return.

use tokio_util::sync::CancellationToken;

/// Cloneable shutdown signal.
#[derive(Clone, Debug, Default)]
pub struct Shutdown(CancellationToken);

impl Shutdown {
    /// A signal that fires only when [`Shutdown::trigger`] is called.
    pub fn new() -> Self {
        Self(CancellationToken::new())
    }

    /// A signal that also fires on SIGTERM or SIGINT.
    pub fn on_signals() -> Self {
        let shutdown = Self::new();
        let trigger = shutdown.clone();
        tokio::spawn(async move {
            wait_for_signal().await;
            tracing::info!("shutdown signal received, draining");
            trigger.trigger();
        });
        shutdown
    }

    /// Starts the shutdown.
    pub fn trigger(&self) {
        self.0.cancel();
    }

    /// True once shutdown started.
    pub fn is_triggered(&self) -> bool {
        self.0.is_cancelled()
    }

    /// Resolves when shutdown starts.
    pub async fn wait(&self) {
        self.0.cancelled().await;
    }

    /// A child signal: fires with the parent, or on its own.
    pub fn child(&self) -> Self {
        Self(self.0.child_token())
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = tokio::signal::ctrl_c() => {},
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM, only Ctrl-C stops the service");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
