//! Inbox and outbox retention: old applied ids and old published events go,
//! recent ones and unpublished events stay.

use crate::helpers::*;
use sea_orm::ConnectionTrait;
use spot_platform::store::retention::{Pruned, prune};
use std::time::Duration;

#[tokio::test]
async fn pruning_keeps_recent_ids_and_unpublished_events() -> anyhow::Result<()> {
    let env = env().await?;
    env.db
        .execute_unprepared(
            "INSERT INTO lifecycle.inbox (consumer, message_id, processed_at)
               SELECT 'c', 'old-' || g, now() - interval '2 hours' FROM generate_series(1, 12000) g;
             INSERT INTO lifecycle.inbox (consumer, message_id) VALUES ('c', 'recent');
             INSERT INTO lifecycle.outbox (event_id, subject, event_type, payload, created_at, published_at)
               VALUES (gen_random_uuid(), 's', 't', '', now() - interval '3 hours', NULL);
             INSERT INTO lifecycle.outbox (event_id, subject, event_type, payload, created_at, published_at)
               SELECT gen_random_uuid(), 's', 't', '', now() - interval '3 hours', now() - interval '2 hours'
               FROM generate_series(1, 6000);
             INSERT INTO lifecycle.outbox (event_id, subject, event_type, payload, created_at, published_at)
               VALUES (gen_random_uuid(), 's', 't', '', now(), now());",
        )
        .await?;
    // The oldest outbox row is unpublished: it stays, and the old published
    // ones behind it, more than one statement's window, all go.
    let pruned = prune(&env.db, "lifecycle", Duration::from_secs(3600)).await?;
    assert_eq!(pruned, Pruned { inbox: 12_000, outbox: 6_000 });
    assert_eq!(scalar(&env.db, "SELECT count(*) FROM lifecycle.inbox").await?, 1);
    assert_eq!(scalar(&env.db, "SELECT count(*) FROM lifecycle.outbox WHERE published_at IS NULL").await?, 1);
    assert_eq!(scalar(&env.db, "SELECT count(*) FROM lifecycle.outbox").await?, 2);
    // A second pass finds nothing.
    assert_eq!(prune(&env.db, "lifecycle", Duration::from_secs(3600)).await?, Pruned::default());
    Ok(())
}
