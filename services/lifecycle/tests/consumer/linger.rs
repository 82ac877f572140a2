//! Linger: a trickle of heartbeats is applied in a few transactions, not
//! one per message, and nothing is lost on the way.

use crate::helpers::*;
use spot_lifecycle::consumers::heartbeats::{DURABLE, HeartbeatConsumer};
use spot_platform::Shutdown;
use spot_platform::bus::{await_ack, run_consumer};
use spot_platform::metrics::PlatformMetrics;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_trickle_is_applied_in_a_few_batches() -> anyhow::Result<()> {
    let env = env().await?;
    let ids = agents(&env, 60).await?;
    let metrics = Arc::new(PlatformMetrics::new()?);
    let shutdown = Shutdown::new();
    let mut lingering = spec(100);
    lingering.linger = Duration::from_millis(1500);
    let consumer = tokio::spawn(run_consumer(
        env.bus.clone(),
        lingering,
        Arc::new(HeartbeatConsumer::new(env.db.clone())),
        metrics.clone(),
        shutdown.clone(),
    ));
    // 60 heartbeats, one every 5 ms: without linger nearly each would be its own batch.
    for (i, agent) in ids.iter().enumerate() {
        let ack = env.bus.send_event(&heartbeat(env.client, *agent, &format!("t{i}"))).await?;
        await_ack(ack, Duration::from_secs(5)).await?;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while scalar(&env.db, "SELECT COALESCE(sum(heartbeat_count), 0)::bigint FROM lifecycle.agents").await?
        < 60
    {
        anyhow::ensure!(Instant::now() < deadline, "heartbeats not applied");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let batches = metrics.batch_size.with_label_values(&[DURABLE]).get_sample_count();
    assert!((1..=3).contains(&batches), "60 trickled heartbeats took {batches} batches");
    assert_eq!(scalar(&env.db, "SELECT count(*) FROM lifecycle.inbox").await?, 60);
    shutdown.trigger();
    consumer.await?;
    Ok(())
}
