//! Header names on every event (docs/EVENTS.md).

/// JetStream de-duplication id; we send the event id.
pub const HEADER_MSG_ID: &str = "Nats-Msg-Id";
/// Fully qualified protobuf type of the payload.
pub const HEADER_EVENT_TYPE: &str = "Spot-Event-Type";
/// Content type of every payload.
pub const CONTENT_TYPE_PROTOBUF: &str = "application/protobuf";

/// The event id of a delivered message: its `Nats-Msg-Id`, or, for messages
/// published without one, `<stream>:<sequence>` so dedup still works.
pub fn event_id_of(headers: Option<&async_nats::HeaderMap>, stream: &str, sequence: u64) -> String {
    headers
        .and_then(|h| h.get(HEADER_MSG_ID))
        .map(|v| v.as_str().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| format!("{stream}:{sequence}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_stream_sequence() {
        assert_eq!(event_id_of(None, "S", 7), "S:7");
        let mut h = async_nats::HeaderMap::new();
        h.insert(HEADER_MSG_ID, "abc");
        assert_eq!(event_id_of(Some(&h), "S", 7), "abc");
    }
}
