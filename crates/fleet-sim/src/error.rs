//! The crate's error type.

/// What can go wrong in the simulator.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A configuration value is out of range or inconsistent.
    #[error("invalid simulator configuration: {0}")]
    InvalidConfig(String),
    /// An HTTP call outside the agents' own traffic (e.g. tenant creation) failed.
    #[error("HTTP call {what} failed: {detail}")]
    Http {
        /// What was being done.
        what: String,
        /// Status or transport error.
        detail: String,
    },
    /// The fleet's driver task ended abnormally.
    #[error("fleet driver stopped: {0}")]
    Driver(String),
}
