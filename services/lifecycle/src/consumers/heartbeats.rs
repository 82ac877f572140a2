//! Applies agent heartbeats from `SPOT_INGEST` in batches: decode, fold per
//! agent, then in one transaction claim the message ids in the inbox, update
//! the agents and enqueue status-change events.

use crate::events::status_changed;
use crate::store::heartbeats::{self, HeartbeatUpdate};
use prost::Message;
use sea_orm::DatabaseConnection;
use spot_contracts::{Event, v1};
use spot_domain::{HeartbeatFold, HeartbeatObservation, ReportedStatus};
use spot_platform::bus::{BatchHandler, Delivery, HandlerError, Subscription};
use spot_platform::store::{begin_batch, enqueue_traced};
use uuid::Uuid;

/// Durable consumer name.
pub const DURABLE: &str = "lifecycle-heartbeats";

/// Where the consumer reads.
pub fn subscription() -> Subscription {
    Subscription::new(&spot_contracts::subjects::INGEST, DURABLE, v1::HeartbeatReceived::filter())
}

/// The handler.
#[derive(Debug, Clone)]
pub struct HeartbeatConsumer {
    db: DatabaseConnection,
}

impl HeartbeatConsumer {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

/// A heartbeat payload without the agent key.
#[derive(Debug, Clone)]
struct Fields {
    instance_id: String,
    instance_type: String,
    az: String,
    mode: String,
    monitored: Vec<String>,
    metrics: Option<v1::AgentMetrics>,
}

fn decode(d: &Delivery) -> Result<HeartbeatObservation<Uuid, Fields>, HandlerError> {
    let hb = v1::HeartbeatReceived::decode(d.payload.clone())
        .map_err(|e| HandlerError(format!("undecodable heartbeat {}: {e}", d.event_id)))?;
    let meta =
        hb.meta.as_ref().ok_or_else(|| HandlerError(format!("heartbeat {} without meta", d.event_id)))?;
    let agent = Uuid::parse_str(&meta.agent_id)
        .map_err(|_| HandlerError(format!("bad agent id in {}", d.event_id)))?;
    let received_at = meta
        .occurred_at
        .as_ref()
        .and_then(spot_platform::time::from_wire)
        .ok_or_else(|| HandlerError(format!("heartbeat {} without time", d.event_id)))?;
    let status = match v1::ReportedStatus::try_from(hb.status) {
        Ok(v1::ReportedStatus::Disabled) => ReportedStatus::Disabled,
        Ok(v1::ReportedStatus::Offline) => ReportedStatus::Offline,
        _ => ReportedStatus::Online,
    };
    let mode = match v1::InstanceMode::try_from(hb.mode) {
        Ok(v1::InstanceMode::Spot) => "spot",
        Ok(v1::InstanceMode::OnDemand) => "ondemand",
        _ => "",
    };
    Ok(HeartbeatObservation {
        agent,
        received_at,
        sequence: d.sequence,
        status,
        payload: Fields {
            instance_id: hb.instance_id.unwrap_or_default(),
            instance_type: hb.instance_type.unwrap_or_default(),
            az: hb.az.unwrap_or_default(),
            mode: mode.to_owned(),
            monitored: hb
                .monitored_instances
                .into_iter()
                .filter(|i| !i.is_empty() && !i.contains(','))
                .collect(),
            metrics: hb.metrics,
        },
    })
}

impl BatchHandler for HeartbeatConsumer {
    async fn handle(&self, batch: &[Delivery]) -> Result<(), HandlerError> {
        let (txn, fresh) = begin_batch(&self.db, crate::SCHEMA, DURABLE, batch).await?;
        let mut fold = HeartbeatFold::default();
        let mut seen = std::collections::HashSet::new();
        for d in fresh {
            // The same id twice in one batch (redelivery overlap) counts once.
            if seen.insert(d.event_id.as_str()) {
                fold.push(decode(d)?);
            }
        }
        let folded: Vec<_> = fold.into_folded().collect();
        // Each status change continues the trace of the heartbeat that made it.
        let by_sequence: std::collections::HashMap<u64, Option<&str>> =
            batch.iter().map(|d| (d.sequence, d.traceparent.as_deref())).collect();
        let trace_of: std::collections::HashMap<Uuid, Option<&str>> = folded
            .iter()
            .map(|f| (f.latest.agent, by_sequence.get(&f.latest.sequence).copied().flatten()))
            .collect();
        let samples: Vec<heartbeats::HealthSample> = folded
            .iter()
            .filter_map(|f| {
                f.latest.payload.metrics.as_ref().map(|m| heartbeats::HealthSample {
                    agent_id: f.latest.agent,
                    recorded_at: f.latest.received_at,
                    cpu_usage: m.cpu_usage,
                    memory_usage: m.memory_usage,
                    heartbeat_latency_ms: m.heartbeat_latency_ms,
                    error_count: m.error_count,
                })
            })
            .collect();
        let updates: Vec<HeartbeatUpdate> = folded
            .into_iter()
            .map(|f| HeartbeatUpdate {
                agent_id: f.latest.agent,
                received_at: f.latest.received_at,
                sequence: f.latest.sequence as i64,
                count: f.count as i64,
                reported_status: f.latest.status,
                status: f.latest.status.agent_status(),
                instance_id: f.latest.payload.instance_id,
                instance_type: f.latest.payload.instance_type,
                az: f.latest.payload.az,
                mode: f.latest.payload.mode,
                monitored_instances: f.latest.payload.monitored,
            })
            .collect();
        let changes = heartbeats::apply(&txn, &updates).await.map_err(HandlerError::from_display)?;
        heartbeats::record_health(&txn, &samples).await.map_err(HandlerError::from_display)?;
        for change in &changes {
            enqueue_traced(
                &txn,
                crate::SCHEMA,
                &status_changed(
                    change.client_id,
                    change.agent_id,
                    change.previous.as_str(),
                    change.current.as_str(),
                    "heartbeat",
                ),
                trace_of.get(&change.agent_id).copied().flatten(),
            )
            .await
            .map_err(HandlerError::from_display)?;
        }
        txn.commit().await.map_err(HandlerError::from_display)?;
        Ok(())
    }
}
