//! Creates the domain streams and the dead-letter stream if they are missing.
//! Definitions mirror `deploy/nats/streams.json`.

use super::{Bus, BusError};
use async_nats::jetstream::stream::{Config, DiscardPolicy, RetentionPolicy, StorageType};
use spot_contracts::subjects::{ALL_STREAMS, INGEST, StreamDef};
use std::time::Duration;

const DAY: Duration = Duration::from_secs(24 * 3600);

/// Stream configuration for one definition: file storage, limits retention,
/// a two-minute duplicate window for `Nats-Msg-Id` dedup.
pub fn stream_config(def: &StreamDef) -> Config {
    // Raw agent reports are replayable for 3 days; state-change streams 30 days.
    let max_age = if def.name == INGEST.name { 3 * DAY } else { 30 * DAY };
    Config {
        name: def.name.to_owned(),
        description: Some(def.description.to_owned()),
        subjects: vec![def.subject_filter()],
        storage: StorageType::File,
        retention: RetentionPolicy::Limits,
        discard: DiscardPolicy::Old,
        max_age,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    }
}

/// Creates every stream that does not exist yet; existing ones are left as
/// they are (an operator may have tuned them). Replicas starting together
/// race: when a create fails, the stream another replica created in the
/// meantime is as good (JetStream then answers "already in use" or
/// "subjects overlap", depending on the moment); only a stream that still
/// does not exist is an error.
pub async fn ensure_streams(bus: &Bus) -> Result<(), BusError> {
    let js = bus.jetstream();
    for def in ALL_STREAMS {
        if let Err(e) = js.get_or_create_stream(stream_config(&def)).await {
            js.get_stream(def.name)
                .await
                .map_err(|_| BusError::JetStream(format!("stream {}: {e}", def.name)))?;
        }
    }
    Ok(())
}
