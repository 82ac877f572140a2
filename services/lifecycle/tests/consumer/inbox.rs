use crate::helpers::*;
use bytes::Bytes;
use prost::Message;
use spot_lifecycle::consumers::heartbeats::HeartbeatConsumer;
use spot_platform::bus::{BatchHandler, Delivery};

/// A tenant with one agent and the heartbeat consumer under test.
async fn one_agent() -> anyhow::Result<(Env, spot_domain::AgentId, HeartbeatConsumer)> {
    let env = env().await?;
    let agent = agents(&env, 1).await?[0];
    let handler = HeartbeatConsumer::new(env.db.clone());
    Ok((env, agent, handler))
}

fn delivery(event: &spot_contracts::v1::HeartbeatReceived, sequence: u64, delivered: i64) -> Delivery {
    Delivery {
        event_id: event.meta.as_ref().map(|m| m.event_id.clone()).unwrap_or_default(),
        subject: "spot.v1.ingest.heartbeat.c.a".into(),
        payload: Bytes::from(event.encode_to_vec()),
        sequence,
        delivered,
        traceparent: None,
    }
}

#[tokio::test]
async fn the_same_message_delivered_twice_changes_nothing_the_second_time() -> anyhow::Result<()> {
    let (env, agent, handler) = one_agent().await?;
    let event = heartbeat(env.client, agent, "first");
    handler.handle(&[delivery(&event, 1, 1)]).await?;
    let after_first = agent_state(&env.db, agent).await?;
    let updated_first =
        scalar(&env.db, "SELECT extract(epoch FROM updated_at)::bigint * 1000000 FROM lifecycle.agents")
            .await?;

    // Redelivered alone, and again inside a batch next to a new message.
    handler.handle(&[delivery(&event, 1, 2)]).await?;
    assert_eq!(agent_state(&env.db, agent).await?, after_first, "redelivery must change nothing");
    let updated_second =
        scalar(&env.db, "SELECT extract(epoch FROM updated_at)::bigint * 1000000 FROM lifecycle.agents")
            .await?;
    assert_eq!(updated_first, updated_second, "redelivery must not even touch the row");

    let newer = heartbeat(env.client, agent, "second");
    handler.handle(&[delivery(&event, 1, 3), delivery(&newer, 2, 1), delivery(&newer, 2, 1)]).await?;
    assert_eq!(agent_state(&env.db, agent).await?, (2, vec!["second".to_owned()]));
    assert_eq!(scalar(&env.db, "SELECT count(*) FROM lifecycle.inbox").await?, 2);
    Ok(())
}

#[tokio::test]
async fn an_older_heartbeat_arriving_late_counts_but_does_not_overwrite() -> anyhow::Result<()> {
    let (env, agent, handler) = one_agent().await?;
    let old = heartbeat(env.client, agent, "old");
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let new = heartbeat(env.client, agent, "new");
    handler.handle(&[delivery(&new, 2, 1)]).await?;
    handler.handle(&[delivery(&old, 1, 2)]).await?;
    assert_eq!(agent_state(&env.db, agent).await?, (2, vec!["new".to_owned()]));
    Ok(())
}
