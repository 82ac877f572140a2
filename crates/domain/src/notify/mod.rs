//! Notifications and webhooks (docs/NOTIFICATIONS.md): the kinds a tenant is
//! told about and their severity, the rules a webhook must satisfy (an
//! http(s) URL, known kinds, a usable secret), and what happens to a webhook
//! delivery after each attempt (retry with exponential backoff, or the
//! dead-letter state after the configured number of attempts).
//!
//! Pure: the caller passes the time and the attempt's outcome in.

pub mod delivery;
pub mod kind;
pub mod webhook;

pub use delivery::{AttemptOutcome, DeliveryStatus, NextStep, RetryPolicy};
pub use kind::{NotificationKind, Severity, UnknownKind};
pub use webhook::{WebhookError, WebhookKinds, WebhookSecret, WebhookUrl};
