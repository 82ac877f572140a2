//! Stores agents' hourly cleanup reports (`cleanup_logs`), in batches with
//! the inbox. Reports from agents whose instance is a ZOMBIE or TERMINATED
//! are dropped (docs/STATE_MACHINE.md, invariant 7: they feed nothing).

use prost::Message;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use spot_contracts::{Event, v1};
use spot_platform::bus::{BatchHandler, Delivery, HandlerError, Subscription};
use spot_platform::store::begin_batch;
use spot_platform::store::sql;
use uuid::Uuid;

/// Durable consumer name.
pub const DURABLE: &str = "lifecycle-cleanup";

/// Where the consumer reads.
pub fn subscription() -> Subscription {
    // Cleanup reports are large: smaller transactions than the platform batch.
    Subscription::new(&spot_contracts::subjects::INGEST, DURABLE, v1::CleanupReportReceived::filter())
        .max_batch(200)
}

/// The handler.
#[derive(Debug, Clone)]
pub struct CleanupConsumer {
    db: DatabaseConnection,
}

impl CleanupConsumer {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

impl BatchHandler for CleanupConsumer {
    async fn handle(&self, batch: &[Delivery]) -> Result<(), HandlerError> {
        let (txn, fresh) = begin_batch(&self.db, crate::SCHEMA, DURABLE, batch).await?;
        for d in fresh {
            let r = v1::CleanupReportReceived::decode(d.payload.clone())
                .map_err(|e| HandlerError(format!("undecodable cleanup report {}: {e}", d.event_id)))?;
            let meta = r.meta.clone().unwrap_or_default();
            let (Ok(client), Ok(agent)) = (Uuid::parse_str(&meta.client_id), Uuid::parse_str(&meta.agent_id))
            else {
                return Err(HandlerError(format!("cleanup report {} without ids", d.event_id)));
            };
            let reported_at = spot_platform::time::from_wire_opt(&r.reported_at);
            let parse =
                |s: &str| serde_json::from_str::<serde_json::Value>(s).unwrap_or(serde_json::Value::Null);
            txn.execute_raw(sql("INSERT INTO lifecycle.cleanup_logs
                    (id, client_id, agent_id, reported_at, snapshots, amis, deleted_snapshots, deleted_amis, failed)
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9
                 WHERE NOT EXISTS (
                     SELECT 1 FROM lifecycle.agents a
                     JOIN lifecycle.instances i ON i.group_id = a.group_id AND i.instance_id = a.instance_id
                     WHERE a.agent_id = $3 AND i.role IN ('ZOMBIE', 'TERMINATED'))",
                [
                    Uuid::now_v7().into(),
                    client.into(),
                    agent.into(),
                    reported_at.into(),
                    parse(&r.snapshots_json).into(),
                    parse(&r.amis_json).into(),
                    r.deleted_snapshots.into(),
                    r.deleted_amis.into(),
                    r.failed.into(),
                ],
            ))
            .await
            .map_err(HandlerError::from_display)?;
        }
        txn.commit().await.map_err(HandlerError::from_display)?;
        Ok(())
    }
}
