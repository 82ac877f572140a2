//! Lifecycle operations: the service layer the gRPC handlers (and jobs) call.
//! Each runs in one transaction: lock the group, decide with the pure state
//! machine, write the outcome with version checks, audit it, and put the
//! events in the outbox.

pub mod commands;
pub mod dashboard;
pub mod delete;
pub mod register;
pub mod replicas;
pub mod settings;
pub mod switch;
pub mod transition;

/// Who asked for a change (audit actor and idempotency key).
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// `agent:<id>`, `token:<token id>` (an operator's API token), `admin`,
    /// `model:<id>` or `system`; never characters of a secret.
    pub name: String,
    pub request_id: String,
}

impl Actor {
    /// The system itself (jobs).
    pub fn system() -> Self {
        Self { name: "system".into(), request_id: String::new() }
    }
}
