//! What a service's consumer reads, apart from how: the stream, the durable
//! name and the subject filter. The tuning (batch, deliveries, ack wait,
//! linger) is the platform's and comes from its settings, so every consumer
//! of every service behaves the same under load.

use super::ConsumerSpec;
use crate::config::Settings;
use spot_contracts::subjects::StreamDef;

/// A durable consumer of one stream, filtered to one subject pattern.
#[derive(Debug, Clone)]
pub struct Subscription {
    /// Stream to read.
    pub stream: &'static StreamDef,
    /// Durable name; replicas of a service share it and split the work.
    pub durable: &'static str,
    /// One filter subject (nats-server 2.9 allows one per consumer).
    pub filter: String,
    /// A lower cap than the platform batch, for heavy messages.
    pub max_batch: Option<usize>,
}

impl Subscription {
    /// Messages of `stream` matching `filter` (e.g. `Event::filter()`).
    pub fn new(stream: &'static StreamDef, durable: &'static str, filter: impl Into<String>) -> Self {
        Self { stream, durable, filter: filter.into(), max_batch: None }
    }

    /// Every message of `stream`.
    pub fn all(stream: &'static StreamDef, durable: &'static str) -> Self {
        Self::new(stream, durable, stream.subject_filter())
    }

    /// Applies at most `batch` messages per transaction.
    pub fn max_batch(mut self, batch: usize) -> Self {
        self.max_batch = Some(batch);
        self
    }

    /// The full consumer spec with the platform's tuning.
    pub fn spec(&self, settings: &Settings) -> ConsumerSpec {
        ConsumerSpec {
            stream: self.stream.name,
            durable: self.durable.to_owned(),
            filter: self.filter.clone(),
            batch: self.max_batch.map_or(settings.consumer_batch, |cap| settings.consumer_batch.min(cap)),
            max_deliver: settings.consumer_max_deliver,
            ack_wait: settings.consumer_ack_wait,
            linger: settings.consumer_linger,
        }
    }
}
