//! Prometheus metrics shared by the platform. Each service registers its own
//! metrics in the same registry; `/metrics` renders it.

use prometheus::{HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};
use std::sync::{Arc, OnceLock};

/// Metrics every service has.
#[derive(Clone, Debug)]
pub struct PlatformMetrics {
    pub registry: Registry,
    /// Messages a consumer applied, by consumer and outcome (applied, duplicate, dead_letter, retry).
    pub consumed: IntCounterVec,
    /// Batch sizes of consumers.
    pub batch_size: HistogramVec,
    /// Events published, by stream and outcome.
    pub published: IntCounterVec,
    /// Outbox rows not yet published.
    pub outbox_backlog: IntGauge,
    /// HTTP requests by route, method and status.
    pub http_requests: IntCounterVec,
    /// HTTP latency by route.
    pub http_latency: HistogramVec,
    /// Messages of a durable consumer's filter not yet delivered to it (its lag).
    pub consumer_pending: IntGaugeVec,
    /// Messages delivered to a durable consumer and not yet acknowledged.
    pub consumer_ack_pending: IntGaugeVec,
    /// Messages of a consumer parked in the dead-letter stream.
    pub dead_letter_messages: IntGaugeVec,
    /// The live heap ([`crate::heap`]), read when `/metrics` is rendered; 0
    /// where the binary installed no meter.
    pub heap_allocated: IntGauge,
}

/// Registration of a metric failed (a programming error: duplicate name).
#[derive(Debug, thiserror::Error)]
#[error("metric registration: {0}")]
pub struct MetricsError(#[from] prometheus::Error);

impl PlatformMetrics {
    /// Creates and registers the platform metrics in a fresh registry.
    pub fn new() -> Result<Self, MetricsError> {
        let registry = Registry::new_custom(Some("spot".into()), None)?;
        let consumed = IntCounterVec::new(
            Opts::new("bus_consumed_total", "messages handled by consumers"),
            &["consumer", "outcome"],
        )?;
        let batch_size = HistogramVec::new(
            HistogramOpts::new("bus_batch_size", "messages per consumer batch")
                .buckets(vec![1.0, 5.0, 10.0, 50.0, 100.0, 250.0, 500.0, 1000.0]),
            &["consumer"],
        )?;
        let published =
            IntCounterVec::new(Opts::new("bus_published_total", "events published"), &["stream", "outcome"])?;
        let outbox_backlog = IntGauge::new("outbox_backlog", "outbox rows waiting to be published")?;
        let http_requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests"),
            &["route", "method", "status"],
        )?;
        let http_latency = HistogramVec::new(
            HistogramOpts::new("http_request_seconds", "HTTP latency")
                .buckets(vec![0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
            &["route"],
        )?;
        let by_consumer = |name: &str, help: &str| IntGaugeVec::new(Opts::new(name, help), &["consumer"]);
        let consumer_pending =
            by_consumer("bus_consumer_pending", "messages not yet delivered to a durable consumer (lag)")?;
        let consumer_ack_pending = by_consumer(
            "bus_consumer_ack_pending",
            "messages delivered to a durable consumer, not yet acked",
        )?;
        let dead_letter_messages = by_consumer(
            "bus_dead_letter_messages",
            "messages of a consumer waiting in the dead-letter stream",
        )?;
        for gauge in [&consumer_pending, &consumer_ack_pending, &dead_letter_messages] {
            registry.register(Box::new(gauge.clone()))?;
        }
        registry.register(Box::new(consumed.clone()))?;
        registry.register(Box::new(batch_size.clone()))?;
        registry.register(Box::new(published.clone()))?;
        registry.register(Box::new(outbox_backlog.clone()))?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_latency.clone()))?;
        let heap_allocated = IntGauge::new(
            "process_heap_allocated_bytes",
            "bytes the allocator handed out and not taken back",
        )?;
        registry.register(Box::new(heap_allocated.clone()))?;
        Ok(Self {
            registry,
            consumed,
            batch_size,
            published,
            outbox_backlog,
            http_requests,
            http_latency,
            consumer_pending,
            consumer_ack_pending,
            dead_letter_messages,
            heap_allocated,
        })
    }

    /// Registers a gauge holding a fixed value (a setting alerts compute with).
    pub fn constant(&self, name: &str, help: &str, value: i64) -> Result<(), MetricsError> {
        let gauge = IntGauge::new(name, help)?;
        gauge.set(value);
        self.registry.register(Box::new(gauge))?;
        Ok(())
    }

    /// Registers a service's database-derived metrics; the returned
    /// collector's `run` refreshes them (see [`crate::db_metrics`]).
    pub fn database(
        &self,
        metrics: &'static [crate::db_metrics::DbMetric],
    ) -> Result<crate::db_metrics::DbMetrics, MetricsError> {
        crate::db_metrics::DbMetrics::register(self, metrics)
    }

    /// Renders the registry in the Prometheus text format.
    pub fn render(&self) -> String {
        if let Some(bytes) = crate::heap::allocated() {
            self.heap_allocated.set(i64::try_from(bytes).unwrap_or(i64::MAX));
        }
        let encoder = prometheus::TextEncoder::new();
        encoder.encode_to_string(&self.registry.gather()).unwrap_or_else(|e| format!("# encode error: {e}\n"))
    }
}

/// A process-wide fallback used where no service registry is at hand.
pub fn global() -> Arc<PlatformMetrics> {
    static GLOBAL: OnceLock<Arc<PlatformMetrics>> = OnceLock::new();
    GLOBAL
        .get_or_init(|| {
            // Registration into a fresh registry only fails on duplicate names,
            // which the unit test below rules out.
            #[allow(clippy::expect_used)]
            Arc::new(PlatformMetrics::new().expect("platform metrics register into a fresh registry"))
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registers_and_renders() {
        let m = PlatformMetrics::new();
        assert!(m.is_ok());
        let m = global();
        m.consumed.with_label_values(&["c", "applied"]).inc_by(3);
        let text = m.render();
        assert!(text.contains("spot_bus_consumed_total{consumer=\"c\",outcome=\"applied\"} 3"), "{text}");
    }
}
