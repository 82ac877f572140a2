//! Sends due webhook deliveries. Each round claims a batch (`store::claim_due`,
//! `FOR UPDATE SKIP LOCKED`, so gateway replicas share the queue), POSTs
//! each body with its signature and delivery id, and records what the retry
//! policy decides. It wakes when a notification was committed in this
//! process, and polls every `POLL` otherwise (retries, other replicas'
//! deliveries, deliveries left by a crash once their lease ran out).

use super::{signature, store};
use futures::StreamExt;
use sea_orm::DatabaseConnection;
use spot_domain::notify::{AttemptOutcome, NextStep, RetryPolicy};
use spot_platform::Shutdown;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Idle poll interval.
const POLL: Duration = Duration::from_millis(500);
/// Deliveries claimed per round.
const BATCH: u64 = 100;
/// Attempts in flight at once.
const CONCURRENCY: usize = 16;

/// The header carrying the delivery id (the receiver's dedupe key).
pub const DELIVERY_HEADER: &str = "X-Spot-Delivery";
/// The header carrying the notification kind.
pub const EVENT_HEADER: &str = "X-Spot-Event";

/// What the worker needs.
#[derive(Debug, Clone)]
pub struct Worker {
    pub db: DatabaseConnection,
    pub http: reqwest::Client,
    pub policy: RetryPolicy,
    pub timeout: Duration,
    pub wake: Arc<Notify>,
}

impl Worker {
    /// A worker with its own HTTP client (no redirects: a webhook answers
    /// itself) that speaks https, trusting the platform's roots and
    /// `extra_roots` (`tls::extra_roots`).
    pub fn new(
        db: DatabaseConnection,
        policy: RetryPolicy,
        timeout: Duration,
        wake: Arc<Notify>,
        extra_roots: Vec<reqwest::Certificate>,
    ) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .tls_backend_rustls()
            .tls_certs_merge(extra_roots)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("spot-webhooks/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { db, http, policy, timeout, wake })
    }

    /// Runs until shutdown (the round in hand finishes first).
    pub async fn run(self, shutdown: Shutdown) {
        // A claimed delivery is retried by anyone only after this lease,
        // longer than one attempt can take.
        let lease_ms =
            i64::try_from((self.timeout * 2 + Duration::from_secs(5)).as_millis()).unwrap_or(60_000);
        loop {
            let sent = match store::claim_due(&self.db, BATCH, lease_ms).await {
                Ok(due) => {
                    let n = due.len();
                    futures::stream::iter(due).for_each_concurrent(CONCURRENCY, |d| self.attempt(d)).await;
                    n
                }
                Err(e) => {
                    tracing::warn!(error = %e, "webhook deliveries: claim failed");
                    0
                }
            };
            if sent as u64 == BATCH {
                continue;
            }
            tokio::select! {
                _ = shutdown.wait() => break,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }

    async fn attempt(&self, d: store::Due) {
        let sig = signature::header_value(&d.secret, d.payload.as_bytes());
        let sent = self
            .http
            .post(&d.url)
            .header("Content-Type", "application/json")
            .header(signature::HEADER, sig)
            .header(DELIVERY_HEADER, d.id.to_string())
            .header(EVENT_HEADER, d.kind.as_str())
            .body(d.payload.clone())
            .send()
            .await;
        let (outcome, code, error) = match sent {
            Ok(resp) => {
                let status = resp.status().as_u16();
                let error = (!resp.status().is_success()).then(|| format!("receiver answered {status}"));
                (AttemptOutcome::Answered(status), Some(status), error)
            }
            Err(e) => (AttemptOutcome::NoAnswer, None, Some(describe(&e))),
        };
        let attempt = u32::try_from(d.attempts).unwrap_or(u32::MAX);
        let step = self.policy.after_attempt(attempt, outcome);
        match step {
            NextStep::DeadLetter => {
                tracing::warn!(delivery = %d.id, attempt, "webhook delivery dead-lettered")
            }
            NextStep::RetryIn(wait) => {
                tracing::info!(delivery = %d.id, attempt, ?wait, ?code, "webhook delivery failed, will retry")
            }
            NextStep::Delivered => tracing::debug!(delivery = %d.id, attempt, "webhook delivered"),
        }
        if let Err(e) = store::record(&self.db, d.id, d.attempts, step, code, error.as_deref()).await {
            // The lease runs out and the delivery is tried again: at least once.
            tracing::warn!(delivery = %d.id, error = %e, "webhook delivery: result not recorded");
        }
    }
}

/// A transport failure in a few words for the delivery log (no URL: it may
/// carry a token in its query string).
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".into()
    } else if e.is_connect() {
        // TCP, or the TLS handshake (an untrusted certificate among others).
        "connection failed".into()
    } else if e.is_builder() {
        "cannot send to this URL".into()
    } else if e.is_request() {
        "request failed".into()
    } else {
        "no answer".into()
    }
}
