//! The JetStream bus: connection with retry, idempotent stream creation,
//! publishing with message ids and trace context, batched durable consumers
//! with a dead-letter stream.

mod consume;
mod headers;
pub mod lag;
mod publish;
mod streams;
mod subscription;

pub use consume::{BatchHandler, ConsumerSpec, Delivery, HandlerError, run_consumer};
pub use headers::{CONTENT_TYPE_PROTOBUF, HEADER_EVENT_TYPE, HEADER_MSG_ID, event_id_of};
pub use publish::{PublishError, Published, await_ack, message_for};
pub use streams::ensure_streams;
pub use subscription::Subscription;

use std::time::Duration;

/// A connected NATS client with its JetStream context.
#[derive(Clone, Debug)]
pub struct Bus {
    client: async_nats::Client,
    js: async_nats::jetstream::Context,
    publish_timeout: Duration,
}

/// The bus could not be reached or set up.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// Connecting failed (only when not retrying).
    #[error("connect to NATS: {0}")]
    Connect(String),
    /// A JetStream management call failed.
    #[error("JetStream: {0}")]
    JetStream(String),
}

/// Bounded window of unacknowledged publishes per connection.
const MAX_ACK_INFLIGHT: usize = 4096;

impl Bus {
    /// Connects to `url`. With `wait` the first connect retries until the
    /// server answers (service start); without it a down server is an error
    /// (CLI). Later disconnects are always retried by the client.
    pub async fn connect(
        url: &str,
        name: &str,
        publish_timeout: Duration,
        wait: bool,
    ) -> Result<Self, BusError> {
        let mut opts = async_nats::ConnectOptions::new()
            .name(name)
            .connection_timeout(Duration::from_secs(2))
            .request_timeout(Some(publish_timeout))
            .max_reconnects(None::<usize>)
            .reconnect_delay_callback(|attempt| Duration::from_millis((100 * attempt as u64).min(2_000)))
            .event_callback(|event| async move {
                tracing::info!(%event, "nats connection event");
            });
        if wait {
            opts = opts.retry_on_initial_connect();
        }
        let client = opts.connect(url).await.map_err(|e| BusError::Connect(e.to_string()))?;
        let js = async_nats::jetstream::context::ContextBuilder::new()
            .timeout(publish_timeout)
            .max_ack_inflight(MAX_ACK_INFLIGHT)
            .backpressure_on_inflight(true)
            .build(client.clone());
        Ok(Self { client, js, publish_timeout })
    }

    /// The core NATS client.
    pub fn client(&self) -> &async_nats::Client {
        &self.client
    }

    /// The JetStream context.
    pub fn jetstream(&self) -> &async_nats::jetstream::Context {
        &self.js
    }

    /// True while the connection is up.
    pub fn is_connected(&self) -> bool {
        matches!(self.client.connection_state(), async_nats::connection::State::Connected)
    }

    /// Waits until buffered publishes are written to the server.
    pub async fn flush(&self) {
        // Bounded: with the server gone a flush would wait for a reconnect
        // that may never come, and keep a stopping service alive.
        match tokio::time::timeout(std::time::Duration::from_secs(2), self.client.flush()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "flush on shutdown failed"),
            Err(_) => tracing::warn!("flush on shutdown timed out (NATS unreachable?)"),
        }
    }
}
