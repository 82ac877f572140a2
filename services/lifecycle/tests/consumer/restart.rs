use crate::helpers::*;
use spot_lifecycle::consumers::heartbeats::HeartbeatConsumer;
use spot_platform::Shutdown;
use spot_platform::bus::{await_ack, run_consumer};
use spot_platform::metrics::PlatformMetrics;
use std::sync::Arc;
use std::time::{Duration, Instant};

const AGENTS: usize = 100;
const ROUNDS: usize = 10;

#[tokio::test]
async fn killing_the_consumer_mid_stream_loses_nothing_and_applies_nothing_twice() -> anyhow::Result<()> {
    let env = env().await?;
    let ids = agents(&env, AGENTS).await?;
    let metrics = Arc::new(PlatformMetrics::new()?);
    let handler = Arc::new(HeartbeatConsumer::new(env.db.clone()));
    let first = tokio::spawn(run_consumer(
        env.bus.clone(),
        spec(25),
        handler.clone(),
        metrics.clone(),
        Shutdown::new(),
    ));

    // 1,000 heartbeats: ROUNDS per agent, each round after the previous one is acked.
    let bus = env.bus.clone();
    let client = env.client;
    let publish_ids = ids.clone();
    let publisher = tokio::spawn(async move {
        for round in 0..ROUNDS {
            let mut pending = Vec::with_capacity(AGENTS);
            for (i, agent) in publish_ids.iter().enumerate() {
                pending.push(bus.send_event(&heartbeat(client, *agent, &format!("a{i}-r{round}"))).await?);
            }
            for ack in pending {
                await_ack(ack, Duration::from_secs(5)).await?;
            }
            tokio::time::sleep(Duration::from_millis(30)).await;
        }
        anyhow::Ok(())
    });

    // Kill (abort, no graceful drain) once roughly a third is applied.
    let deadline = Instant::now() + Duration::from_secs(20);
    while scalar(&env.db, "SELECT count(*) FROM lifecycle.inbox").await? < 300 {
        anyhow::ensure!(Instant::now() < deadline, "consumer made no progress");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.abort();
    let applied_at_kill = scalar(&env.db, "SELECT count(*) FROM lifecycle.inbox").await?;
    publisher.await??;
    assert!(applied_at_kill < 1000, "the kill must happen mid-stream, {applied_at_kill} applied");

    let shutdown = Shutdown::new();
    let second = tokio::spawn(run_consumer(env.bus.clone(), spec(25), handler, metrics, shutdown.clone()));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let total =
            scalar(&env.db, "SELECT COALESCE(sum(heartbeat_count), 0)::bigint FROM lifecycle.agents").await?;
        if total >= (AGENTS * ROUNDS) as i64 {
            break;
        }
        anyhow::ensure!(Instant::now() < deadline, "only {total} heartbeats applied after restart");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give redeliveries of already-applied messages time to arrive and be skipped.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    shutdown.trigger();
    second.await?;

    for (i, agent) in ids.iter().enumerate() {
        let (count, monitored) = agent_state(&env.db, *agent).await?;
        assert_eq!(count, ROUNDS as i64, "agent {i} heartbeat count");
        assert_eq!(monitored, vec![format!("a{i}-r{}", ROUNDS - 1)], "agent {i} last heartbeat");
    }
    assert_eq!(scalar(&env.db, "SELECT count(*) FROM lifecycle.inbox").await?, (AGENTS * ROUNDS) as i64);
    drop(env.nats);
    Ok(())
}
