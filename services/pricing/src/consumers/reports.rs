//! Staging ingest: every pool price of every agent pricing report becomes a
//! row of `spot_price_snapshots`, tagged with the reporter's role. A batch of
//! reports is three multi-row statements (UNNEST), not a transaction per
//! point. Reports from ZOMBIE or TERMINATED instances are counted, not stored.

use crate::store::staging::{self, Snapshot, Usage};
use chrono::{DateTime, Utc};
use prost::Message;
use sea_orm::DatabaseConnection;
use spot_contracts::{Event, v1};
use spot_domain::InstanceMode;
use spot_domain::group::Role;
use spot_domain::pricing::{PoolId, ReporterRole};
use spot_platform::bus::{BatchHandler, Delivery, HandlerError, Subscription};
use spot_platform::store::begin_batch;
use std::collections::HashMap;
use uuid::Uuid;

/// Durable consumer name.
pub const DURABLE: &str = "pricing-reports";

pub fn subscription() -> Subscription {
    Subscription::new(&spot_contracts::subjects::INGEST, DURABLE, v1::PricingReportReceived::filter())
}

#[derive(Debug, Clone)]
pub struct ReportConsumer {
    db: DatabaseConnection,
    ignored: prometheus::IntCounterVec,
}

impl ReportConsumer {
    pub fn new(db: DatabaseConnection, ignored: prometheus::IntCounterVec) -> Self {
        Self { db, ignored }
    }
}

use spot_platform::time::from_wire_opt as time;

/// A decoded report with its keys.
struct Report {
    event_id: Uuid,
    client: Uuid,
    agent: Uuid,
    body: v1::PricingReportReceived,
    captured_at: DateTime<Utc>,
}

fn decode(d: &Delivery) -> Result<Report, HandlerError> {
    let body = v1::PricingReportReceived::decode(d.payload.clone())
        .map_err(|e| HandlerError(format!("undecodable pricing report {}: {e}", d.event_id)))?;
    let meta = body.meta.clone().unwrap_or_default();
    let parse = |s: &str| Uuid::parse_str(s).map_err(|_| HandlerError(format!("bad ids in {}", d.event_id)));
    let received = time(&meta.occurred_at).unwrap_or_else(Utc::now);
    Ok(Report {
        event_id: parse(&meta.event_id)?,
        client: parse(&meta.client_id)?,
        agent: parse(&meta.agent_id)?,
        captured_at: time(&body.collected_at).unwrap_or(received),
        body,
    })
}

impl BatchHandler for ReportConsumer {
    async fn handle(&self, batch: &[Delivery]) -> Result<(), HandlerError> {
        let (txn, fresh) = begin_batch(&self.db, crate::SCHEMA, DURABLE, batch).await?;
        let reports: Vec<Report> = fresh.into_iter().map(decode).collect::<Result<_, _>>()?;
        let keys: Vec<(Uuid, String)> =
            reports.iter().map(|r| (r.client, r.body.instance_id.clone())).collect();
        let roles: HashMap<(Uuid, String), Role> =
            staging::roles(&txn, &keys).await.map_err(HandlerError::from_display)?;
        let mut snapshots = Vec::new();
        let mut usage = Vec::new();
        let mut ignored: HashMap<&'static str, i64> = HashMap::new();
        for r in &reports {
            let role = match roles.get(&(r.client, r.body.instance_id.clone())) {
                Some(Role::Primary) => ReporterRole::Primary,
                Some(Role::Replica) => ReporterRole::Replica,
                Some(Role::Zombie) => {
                    *ignored.entry("zombie").or_default() += 1;
                    continue;
                }
                Some(Role::Terminated) => {
                    *ignored.entry("terminated").or_default() += 1;
                    continue;
                }
                None => ReporterRole::Unknown,
            };
            for p in &r.body.spot_pools {
                let Ok(pool) = PoolId::parse(&p.pool_id) else { continue };
                if !p.price.is_finite() || p.price < 0.0 {
                    continue;
                }
                snapshots.push(Snapshot {
                    event_id: r.event_id,
                    client_id: r.client,
                    agent_id: r.agent,
                    instance_id: r.body.instance_id.clone(),
                    role,
                    region: pool.region().to_owned(),
                    instance_type: pool.instance_type().to_owned(),
                    az: pool.az().to_owned(),
                    pool_id: pool.as_str().to_owned(),
                    price: p.price,
                    captured_at: r.captured_at,
                });
            }
            let (mode, hourly) = if r.body.mode == v1::InstanceMode::OnDemand as i32 {
                (InstanceMode::OnDemand, r.body.on_demand_price)
            } else {
                (InstanceMode::Spot, r.body.current_spot_price)
            };
            usage.push(Usage {
                event_id: r.event_id,
                client_id: r.client,
                instance_id: r.body.instance_id.clone(),
                role,
                mode,
                pool_id: r.body.pool_id.clone(),
                hourly_price: hourly,
                on_demand_price: r.body.on_demand_price,
                region: r.body.region.clone(),
                instance_type: r.body.instance_type.clone(),
                captured_at: r.captured_at,
            });
        }
        staging::insert_snapshots(&txn, &snapshots).await.map_err(HandlerError::from_display)?;
        staging::insert_usage(&txn, &usage).await.map_err(HandlerError::from_display)?;
        for (reason, n) in &ignored {
            staging::count_ignored(&txn, reason, *n).await.map_err(HandlerError::from_display)?;
            self.ignored.with_label_values(&[reason]).inc_by(*n as u64);
        }
        txn.commit().await.map_err(HandlerError::from_display)?;
        Ok(())
    }
}
