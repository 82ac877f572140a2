//! Durable pull consumers that hand messages to a handler in batches.
//!
//! Flow per batch: take what is ready, wait up to `linger` for more (at most
//! `batch` in all), hand it to the handler, which applies it in one database
//! transaction together with the inbox rows, then ack every message. If the batch fails, each message is
//! retried alone so one poison message cannot block the others; a message
//! that has failed `max_deliver` times is parked in the dead-letter stream
//! with its error and terminated.

use super::Bus;
use super::headers::event_id_of;
use crate::metrics::PlatformMetrics;
use crate::shutdown::Shutdown;
use crate::telemetry;
use async_nats::jetstream::AckKind;
use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, PullConsumer, pull};
use bytes::Bytes;
use futures::{FutureExt, StreamExt};
use opentelemetry::trace::TraceContextExt;
use spot_contracts::subjects;
use std::sync::Arc;
use std::time::Duration;
use tracing::Instrument;
use tracing_opentelemetry::OpenTelemetrySpanExt;

/// Where and how a consumer reads.
#[derive(Debug, Clone)]
pub struct ConsumerSpec {
    /// Stream to read.
    pub stream: &'static str,
    /// Durable name; several service replicas share it and split the work.
    pub durable: String,
    /// One filter subject (nats-server 2.9 allows one per consumer).
    pub filter: String,
    /// Most messages applied in one transaction.
    pub batch: usize,
    /// Deliveries before the dead-letter stream.
    pub max_deliver: i64,
    /// Time the server waits for an ack before redelivering.
    pub ack_wait: Duration,
    /// After the first message of a batch, how long to wait for more before
    /// applying a partial batch. Under load this turns many one-message
    /// transactions into a few large ones; zero applies whatever is ready.
    pub linger: Duration,
}

/// One delivered message, decoded enough for any handler.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Event id (`Nats-Msg-Id`), the inbox key.
    pub event_id: String,
    /// Subject it was published on.
    pub subject: String,
    /// Protobuf payload.
    pub payload: Bytes,
    /// Stream sequence.
    pub sequence: u64,
    /// How many times it was delivered, 1 the first time.
    pub delivered: i64,
    /// W3C `traceparent` of this message's consume span (child of the
    /// publisher's span), for the outbox and audit rows its handling writes;
    /// `None` when the message came without trace context and no trace is
    /// exported here.
    pub traceparent: Option<String>,
}

/// A handler failed; the batch is retried message by message.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HandlerError(pub String);

impl HandlerError {
    /// Wraps any displayable error.
    pub fn from_display(e: impl std::fmt::Display) -> Self {
        Self(e.to_string())
    }
}

/// Applies a batch of deliveries atomically (one transaction, inbox included).
pub trait BatchHandler: Send + Sync + 'static {
    /// Applies the batch; `Ok` means committed, and every message is acked.
    fn handle(&self, batch: &[Delivery]) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// Runs a consumer until shutdown, finishing the batch in hand before it returns.
pub async fn run_consumer<H: BatchHandler>(
    bus: Bus,
    spec: ConsumerSpec,
    handler: Arc<H>,
    metrics: Arc<PlatformMetrics>,
    shutdown: Shutdown,
) {
    let mut backoff = Duration::from_millis(100);
    while !shutdown.is_triggered() {
        match consume_until_error(&bus, &spec, handler.as_ref(), &metrics, &shutdown).await {
            Ok(()) => break,
            Err(e) => {
                tracing::warn!(consumer = %spec.durable, error = %e, "consumer interrupted, restarting");
                tokio::select! {
                    _ = shutdown.wait() => break,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = (backoff * 2).min(Duration::from_secs(5));
            }
        }
    }
    tracing::info!(consumer = %spec.durable, "consumer stopped");
}

/// Deliveries JetStream allows beyond [`ConsumerSpec::max_deliver`].
const MAX_DELIVER_SLACK: i64 = 3;

async fn create_consumer(bus: &Bus, spec: &ConsumerSpec) -> Result<PullConsumer, String> {
    let stream = bus.jetstream().get_stream(spec.stream).await.map_err(|e| format!("get stream: {e}"))?;
    let config = pull::Config {
        durable_name: Some(spec.durable.clone()),
        filter_subject: spec.filter.clone(),
        ack_policy: AckPolicy::Explicit,
        deliver_policy: DeliverPolicy::All,
        ack_wait: spec.ack_wait,
        // Slack above our own limit: a delivery lost to a crashed consumer's
        // stale pull request must not use up the last attempt, or JetStream
        // would drop the message without it reaching the dead-letter stream.
        max_deliver: spec.max_deliver + MAX_DELIVER_SLACK,
        max_ack_pending: (spec.batch as i64 * 4).max(1000),
        ..Default::default()
    };
    stream.get_or_create_consumer(&spec.durable, config).await.map_err(|e| format!("create consumer: {e}"))
}

async fn consume_until_error<H: BatchHandler>(
    bus: &Bus,
    spec: &ConsumerSpec,
    handler: &H,
    metrics: &PlatformMetrics,
    shutdown: &Shutdown,
) -> Result<(), String> {
    let consumer = create_consumer(bus, spec).await?;
    let messages = consumer
        .stream()
        .max_messages_per_batch(spec.batch)
        .heartbeat(Duration::from_secs(5))
        .expires(Duration::from_secs(30))
        .messages()
        .await
        .map_err(|e| format!("pull: {e}"))?;
    let mut messages = std::pin::pin!(messages);
    loop {
        let first = tokio::select! {
            _ = shutdown.wait() => return Ok(()),
            first = messages.next() => first,
        };
        let Some(first) = first else { return Err("message stream ended".into()) };
        let mut items = vec![first];
        let deadline = tokio::time::Instant::now() + spec.linger;
        while items.len() < spec.batch {
            // Whatever is ready now, then wait for more until the deadline.
            let next = match messages.next().now_or_never() {
                Some(next) => next,
                None if spec.linger.is_zero() => break,
                None => tokio::select! {
                    _ = tokio::time::sleep_until(deadline) => break,
                    next = messages.next() => next,
                },
            };
            match next {
                Some(item) => items.push(item),
                None => break,
            }
        }
        let mut msgs = Vec::with_capacity(items.len());
        for item in items {
            match item {
                Ok(m) => msgs.push(m),
                Err(e) => tracing::debug!(consumer = %spec.durable, error = %e, "pull status"),
            }
        }
        if msgs.is_empty() {
            continue;
        }
        // Processing is not raced against shutdown: the batch in hand finishes.
        process_batch(bus, spec, handler, metrics, msgs).await;
    }
}

/// A delivery and its consume span: a child of the publisher's span found
/// in the message headers, open until the batch is settled.
fn to_delivery(durable: &str, msg: &async_nats::jetstream::Message) -> (Delivery, tracing::Span) {
    let (stream, sequence, delivered) =
        msg.info().map(|i| (i.stream.to_owned(), i.stream_sequence, i.delivered)).unwrap_or_default();
    let event_id = event_id_of(msg.headers.as_ref(), &stream, sequence);
    let (span, traceparent) = if telemetry::exporting() {
        let span = tracing::info_span!(
            "consume",
            otel.name = %format!("consume {durable}"),
            otel.kind = "consumer",
            consumer = durable,
            messaging.system = "nats",
            messaging.destination.name = %msg.subject,
            messaging.message.id = %event_id,
            messaging.delivery_count = delivered,
        );
        telemetry::link_span_to_headers(&span, msg.headers.as_ref());
        let traceparent = telemetry::traceparent_of(&span);
        (span, traceparent)
    } else {
        // Not exporting here: pass the upstream context on unchanged.
        let upstream = msg.headers.as_ref().and_then(|h| h.get("traceparent")).map(|v| v.as_str().to_owned());
        (tracing::Span::none(), upstream)
    };
    let delivery = Delivery {
        event_id,
        subject: msg.subject.to_string(),
        payload: msg.payload.clone(),
        sequence,
        delivered,
        traceparent,
    };
    (delivery, span)
}

async fn process_batch<H: BatchHandler>(
    bus: &Bus,
    spec: &ConsumerSpec,
    handler: &H,
    metrics: &PlatformMetrics,
    msgs: Vec<async_nats::jetstream::Message>,
) {
    let (deliveries, message_spans): (Vec<Delivery>, Vec<tracing::Span>) =
        msgs.iter().map(|m| to_delivery(&spec.durable, m)).unzip();
    // The batch runs under the first message's consume span and links the
    // others, so one trace shows the batch its message was applied in.
    let span = tracing::info_span!("consume_batch", consumer = %spec.durable, size = deliveries.len());
    if let Some(first) = message_spans.first() {
        let _ = span.set_parent(first.context());
        for other in message_spans.iter().skip(1) {
            span.add_link(other.context().span().span_context().clone());
        }
    }
    // Instrument the future, never hold `span.enter()` across an await: a
    // suspended task would leave the span current on its worker thread.
    async {
        metrics.batch_size.with_label_values(&[spec.durable.as_str()]).observe(deliveries.len() as f64);
        match handler.handle(&deliveries).await {
            Ok(()) => {
                metrics
                    .consumed
                    .with_label_values(&[spec.durable.as_str(), "applied"])
                    .inc_by(deliveries.len() as u64);
                for m in &msgs {
                    ack(m, AckKind::Ack).await;
                }
            }
            Err(batch_error) if deliveries.len() > 1 => {
                tracing::warn!(consumer = %spec.durable, error = %batch_error, "batch failed, retrying one by one");
                for (m, d) in msgs.iter().zip(deliveries) {
                    handle_single(bus, spec, handler, metrics, m, d).await;
                }
            }
            Err(error) => {
                for (m, d) in msgs.iter().zip(deliveries) {
                    settle_failure(bus, spec, metrics, m, &d, &error).await;
                }
            }
        }
    }
    .instrument(span)
    .await;
    drop(message_spans);
}

async fn handle_single<H: BatchHandler>(
    bus: &Bus,
    spec: &ConsumerSpec,
    handler: &H,
    metrics: &PlatformMetrics,
    msg: &async_nats::jetstream::Message,
    delivery: Delivery,
) {
    match handler.handle(std::slice::from_ref(&delivery)).await {
        Ok(()) => {
            metrics.consumed.with_label_values(&[spec.durable.as_str(), "applied"]).inc();
            ack(msg, AckKind::Ack).await;
        }
        Err(e) => settle_failure(bus, spec, metrics, msg, &delivery, &e).await,
    }
}

async fn settle_failure(
    bus: &Bus,
    spec: &ConsumerSpec,
    metrics: &PlatformMetrics,
    msg: &async_nats::jetstream::Message,
    delivery: &Delivery,
    error: &HandlerError,
) {
    if delivery.delivered >= spec.max_deliver {
        tracing::error!(consumer = %spec.durable, event_id = %delivery.event_id, error = %error, "parking poison message");
        match dead_letter(bus, spec, msg, error).await {
            Ok(()) => {
                metrics.consumed.with_label_values(&[spec.durable.as_str(), "dead_letter"]).inc();
                ack(msg, AckKind::Term).await;
            }
            // Without a dead-letter copy the message must not be dropped: let it redeliver.
            Err(e) => {
                tracing::error!(error = %e, "dead-letter publish failed");
                ack(msg, AckKind::Nak(Some(Duration::from_secs(5)))).await;
            }
        }
    } else {
        metrics.consumed.with_label_values(&[spec.durable.as_str(), "retry"]).inc();
        let delay = Duration::from_millis(250 * (1 << delivery.delivered.clamp(0, 6)) as u64);
        ack(msg, AckKind::Nak(Some(delay))).await;
    }
}

async fn dead_letter(
    bus: &Bus,
    spec: &ConsumerSpec,
    msg: &async_nats::jetstream::Message,
    error: &HandlerError,
) -> Result<(), String> {
    let mut headers = msg.headers.clone().unwrap_or_default();
    headers.insert("Spot-Dlq-Error", error.0.chars().take(512).collect::<String>().as_str());
    headers.insert("Spot-Dlq-Subject", msg.subject.as_str());
    headers.insert("Spot-Dlq-Consumer", spec.durable.as_str());
    // A fresh id: the original id would be dropped as a duplicate inside the window.
    let original = event_id_of(msg.headers.as_ref(), spec.stream, 0);
    headers.insert(super::HEADER_MSG_ID, format!("dlq-{}-{original}", spec.durable).as_str());
    let publish =
        async_nats::jetstream::message::PublishMessage::build().payload(msg.payload.clone()).headers(headers);
    let pending =
        bus.send_raw(subjects::dead_letter(&spec.durable), publish).await.map_err(|e| e.to_string())?;
    super::await_ack(pending, Duration::from_secs(5)).await.map(|_| ()).map_err(|e| e.to_string())
}

async fn ack(msg: &async_nats::jetstream::Message, kind: AckKind) {
    if let Err(e) = msg.ack_with(kind).await {
        // The server redelivers after ack_wait; the inbox makes that harmless.
        tracing::warn!(error = %e, "ack failed");
    }
}
