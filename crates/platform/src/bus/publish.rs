//! Publishing events with their id as `Nats-Msg-Id`, their type and content
//! type, and the current trace context.

use super::Bus;
use super::headers::{CONTENT_TYPE_PROTOBUF, HEADER_EVENT_TYPE, HEADER_MSG_ID};
use crate::telemetry::inject_trace_context;
use async_nats::jetstream::context::{
    PublishAckFuture, PublishError as JsPublishError, PublishErrorKind as JsPublishErrorKind,
};
use async_nats::jetstream::message::PublishMessage;
use bytes::Bytes;
use spot_contracts::Event;

/// Publishing failed; for the gateway every variant means 503 + Retry-After.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// Not connected to NATS right now.
    #[error("bus unavailable")]
    Unavailable,
    /// JetStream did not acknowledge in time.
    #[error("bus did not acknowledge in time")]
    Timeout,
    /// JetStream refused the message (no stream, too large, ...).
    #[error("bus rejected the message: {0}")]
    Rejected(String),
}

/// An acknowledged publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Stream sequence.
    pub sequence: u64,
    /// True when JetStream recognised the message id as a duplicate.
    pub duplicate: bool,
}

/// Builds the message for an event: payload plus the standard headers.
pub fn message_for(
    event_type: &str,
    event_id: &str,
    payload: Bytes,
    traceparent: Option<&str>,
) -> PublishMessage {
    let mut headers = async_nats::HeaderMap::new();
    headers.insert(HEADER_MSG_ID, event_id);
    headers.insert(HEADER_EVENT_TYPE, event_type);
    headers.insert("Content-Type", CONTENT_TYPE_PROTOBUF);
    match traceparent {
        Some(tp) => headers.insert("traceparent", tp),
        None => inject_trace_context(&mut headers),
    }
    PublishMessage::build().payload(payload).headers(headers)
}

impl Bus {
    /// Sends an event and returns the pending ack, so a caller can keep many
    /// publishes in flight and await their acks together.
    pub async fn send_event<E: Event>(&self, event: &E) -> Result<PublishAckFuture, PublishError> {
        let event_id = event.meta().map(|m| m.event_id.clone()).unwrap_or_default();
        let msg = message_for(E::TYPE, &event_id, Bytes::from(event.encode_to_vec()), None);
        self.send_raw(event.subject(), msg).await
    }

    /// Sends a prepared message (outbox relay).
    pub async fn send_raw(
        &self,
        subject: String,
        msg: PublishMessage,
    ) -> Result<PublishAckFuture, PublishError> {
        if !self.is_connected() {
            return Err(PublishError::Unavailable);
        }
        let send = self.js.send_publish(subject, msg);
        match tokio::time::timeout(self.publish_timeout, send).await {
            Ok(Ok(ack)) => Ok(ack),
            Ok(Err(e)) => Err(classify(&e)),
            Err(_) => Err(PublishError::Timeout),
        }
    }

    /// Publishes one event and waits for JetStream's ack (the gateway answers
    /// an agent only after this returns).
    pub async fn publish_event<E: Event>(&self, event: &E) -> Result<Published, PublishError> {
        let pending = self.send_event(event).await?;
        await_ack(pending, self.publish_timeout).await
    }
}

/// Awaits one pending ack with a deadline.
pub async fn await_ack(
    pending: PublishAckFuture,
    timeout: std::time::Duration,
) -> Result<Published, PublishError> {
    match tokio::time::timeout(timeout, pending.into_future()).await {
        Ok(Ok(ack)) => Ok(Published { sequence: ack.sequence, duplicate: ack.duplicate }),
        Ok(Err(e)) => Err(classify(&e)),
        Err(_) => Err(PublishError::Timeout),
    }
}

/// Maps async-nats' publish error by its kind (never by its text).
///
/// A timeout is an ambiguous outcome: the message may sit in the client's
/// outbound buffer and reach JetStream once the connection is back, so a
/// request refused with 503 can still take effect later (once, by its
/// `Nats-Msg-Id`). docs/ARCHITECTURE.md ("The heartbeat path") says what callers may
/// assume.
fn classify(error: &JsPublishError) -> PublishError {
    match error.kind() {
        JsPublishErrorKind::TimedOut => PublishError::Timeout,
        // No responders (JetStream not up yet), a closed connection, or the
        // client's own in-flight limit: all pass once the bus is back.
        JsPublishErrorKind::StreamNotFound
        | JsPublishErrorKind::BrokenPipe
        | JsPublishErrorKind::MaxAckPending => PublishError::Unavailable,
        JsPublishErrorKind::WrongLastMessageId
        | JsPublishErrorKind::WrongLastSequence
        | JsPublishErrorKind::MaxPayloadExceeded
        | JsPublishErrorKind::Other => PublishError::Rejected(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publish_errors_are_classified_by_kind() {
        let of = |kind| classify(&JsPublishError::new(kind));
        assert!(matches!(of(JsPublishErrorKind::TimedOut), PublishError::Timeout));
        assert!(matches!(of(JsPublishErrorKind::BrokenPipe), PublishError::Unavailable));
        assert!(matches!(of(JsPublishErrorKind::StreamNotFound), PublishError::Unavailable));
        assert!(matches!(of(JsPublishErrorKind::MaxAckPending), PublishError::Unavailable));
        assert!(matches!(of(JsPublishErrorKind::MaxPayloadExceeded), PublishError::Rejected(_)));
    }
}
