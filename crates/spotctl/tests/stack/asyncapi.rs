//! docs/asyncapi.yaml against the code: one channel per event declared in
//! crates/contracts/src/events.rs, on the subject the code builds, with the
//! protobuf type the code publishes and a proto file that defines it; the
//! streams with the code's names, subjects and retention; and the gateway
//! serves the document.

use crate::helpers::*;
use spot_contracts::subjects::{self, ALL_STREAMS, DEAD_LETTER};

/// `(type, stream const, name)` of every `event!(...)` line.
fn declared_events() -> anyhow::Result<Vec<(String, String, String)>> {
    let source = std::fs::read_to_string(repo_root().join("crates/contracts/src/events.rs"))?;
    let mut out = Vec::new();
    for line in source.lines().filter_map(|l| l.trim().strip_prefix("event!(")) {
        let parts: Vec<&str> = line.trim_end_matches(");").split(',').map(str::trim).collect();
        if let [ty, stream, name] = parts[..] {
            let stream = stream.trim_start_matches("subjects::").to_owned();
            out.push((ty.to_owned(), stream, name.trim_matches('"').to_owned()));
        }
    }
    anyhow::ensure!(out.len() > 10, "event declarations not found");
    Ok(out)
}

fn stream_named(constant: &str) -> Option<subjects::StreamDef> {
    ALL_STREAMS.into_iter().find(|s| s.name.trim_start_matches("SPOT_") == constant)
}

#[test]
fn the_asyncapi_document_matches_the_code_subjects_and_streams() -> anyhow::Result<()> {
    let text = std::fs::read_to_string(repo_root().join("docs/asyncapi.yaml"))?;
    let doc: serde_yaml::Value = serde_yaml::from_str(&text)?;
    assert!(doc["asyncapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let events = declared_events()?;
    let channels = doc["channels"].as_mapping().map(|m| m.len()).unwrap_or(0);
    assert_eq!(channels, events.len(), "one channel per event, no stale ones");
    for (ty, stream, name) in &events {
        let def = stream_named(stream).ok_or_else(|| anyhow::anyhow!("{ty}: unknown stream {stream}"))?;
        let channel = &doc["channels"][format!("{}.{name}", def.domain).as_str()];
        let address = channel["address"].as_str().unwrap_or_default();
        let built = subjects::subject(def.domain, name, "{client_id}", "{agent_id}");
        assert_eq!(address, built, "{ty}: the document's subject differs from the code's");
        assert_eq!(channel["x-stream"].as_str(), Some(def.name), "{ty}");
        let message = &doc["components"]["messages"][ty.as_str()];
        assert_eq!(message["contentType"].as_str(), Some(spot_platform::bus::CONTENT_TYPE_PROTOBUF), "{ty}");
        let event_type =
            message["headers"]["properties"][spot_platform::bus::HEADER_EVENT_TYPE]["const"].as_str();
        assert_eq!(event_type, Some(format!("spot.v1.{ty}").as_str()), "{ty}: Spot-Event-Type");
        let schema = message["payload"]["schema"]["$ref"].as_str().unwrap_or_default();
        let (file, full_name) = schema.split_once('#').unwrap_or_default();
        assert_eq!(full_name, format!("spot.v1.{ty}"), "{ty}: payload type");
        let proto = std::fs::read_to_string(repo_root().join(file))?;
        assert!(proto.contains(&format!("message {ty} {{")), "{file} does not define {ty}");
    }
    // Streams: every one the platform creates except the dead-letter stream.
    let streams = doc["x-streams"].as_mapping().ok_or_else(|| anyhow::anyhow!("no x-streams"))?;
    assert_eq!(streams.len(), ALL_STREAMS.len() - 1);
    for def in ALL_STREAMS.into_iter().filter(|s| *s != DEAD_LETTER) {
        let s = &doc["x-streams"][def.name];
        assert_eq!(s["subjects"].as_str(), Some(def.subject_filter().as_str()), "{}", def.name);
        let max_age = if def == subjects::INGEST { "72h" } else { "720h" };
        assert_eq!(s["max_age"].as_str(), Some(max_age), "{}: retention as in bus/streams.rs", def.name);
        assert_eq!(s["duplicate_window"].as_str(), Some("2m"), "{}", def.name);
    }
    Ok(())
}

#[tokio::test]
async fn the_gateway_serves_the_asyncapi_document() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    let resp = t.http.get(t.url("/asyncapi.yaml")).send().await?;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/yaml"));
    let body = resp.text().await?;
    assert_eq!(body, std::fs::read_to_string(repo_root().join("docs/asyncapi.yaml"))?);
    Ok(())
}
