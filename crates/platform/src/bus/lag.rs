//! How far behind each durable consumer is, and how many of its messages
//! wait in the dead-letter stream: read from JetStream every
//! [`LAG_EVERY`] and exported as `spot_bus_consumer_pending{consumer}`,
//! `spot_bus_consumer_ack_pending{consumer}` and
//! `spot_bus_dead_letter_messages{consumer}` (alerts in
//! deploy/prometheus/alerts.yml).

use super::Bus;
use crate::metrics::PlatformMetrics;
use crate::shutdown::Shutdown;
use futures::TryStreamExt;
use spot_contracts::subjects;
use std::sync::Arc;
use std::time::Duration;

/// Period of the reading; a scrape sees values at most this old.
pub const LAG_EVERY: Duration = Duration::from_secs(15);

/// Reads the consumer's lag and dead-letter depth until shutdown.
pub async fn watch(
    bus: Bus,
    stream: &'static str,
    durable: String,
    metrics: Arc<PlatformMetrics>,
    shutdown: Shutdown,
) {
    // The consumer task creates the durable consumer first.
    let mut pause = Duration::from_secs(1);
    loop {
        tokio::select! {
            _ = shutdown.wait() => return,
            _ = tokio::time::sleep(pause) => {}
        }
        pause = LAG_EVERY;
        if let Err(e) = read_once(&bus, stream, &durable, &metrics).await {
            tracing::debug!(consumer = %durable, error = %e, "consumer lag not read");
        }
    }
}

async fn read_once(bus: &Bus, stream: &str, durable: &str, metrics: &PlatformMetrics) -> Result<(), String> {
    let js = bus.jetstream();
    let source = js.get_stream(stream).await.map_err(|e| e.to_string())?;
    // The consumer is created by its own task; before that there is nothing to read.
    let info = source.consumer_info(durable).await.map_err(|e| e.to_string())?;
    metrics.consumer_pending.with_label_values(&[durable]).set(info.num_pending as i64);
    metrics.consumer_ack_pending.with_label_values(&[durable]).set(info.num_ack_pending as i64);
    let dlq = js.get_stream(subjects::DEAD_LETTER.name).await.map_err(|e| e.to_string())?;
    let mut counts =
        dlq.info_with_subjects(subjects::dead_letter(durable)).await.map_err(|e| e.to_string())?;
    let mut parked = 0usize;
    while let Some((_, n)) = counts.try_next().await.map_err(|e| e.to_string())? {
        parked += n;
    }
    metrics.dead_letter_messages.with_label_values(&[durable]).set(parked as i64);
    Ok(())
}
