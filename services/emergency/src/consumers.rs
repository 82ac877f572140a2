//! Events the emergency service reacts to:
//! - lifecycle `agent_registered`, `role_changed` and `replica_changed` keep
//!   emergency's projection of the groups (store::projection); a ready
//!   replica is promoted when its group waits for one;
//! - lifecycle `switch_completed` (boot times per pool; a switch away from
//!   a noticed instance resolves its notice);
//! - pricing `pool_risk_updated` (the pool risk it scores with).
//!
//! Every effect is idempotent by state (a notice is claimed once, a boot
//! sample has a unique key, risk keeps the newest), so redelivery is safe.

use crate::ops::{Emergency, from_ts, promotion};
use crate::store::projection::{self, GroupAgent, GroupReplica};
use crate::store::{boot, risk, timeline};
use chrono::Utc;
use prost::Message;
use spot_contracts::v1;
use spot_platform::bus::{BatchHandler, Delivery, HandlerError, Subscription};
use spot_platform::store::LazyTransaction;
use spot_platform::time::occurred_at;
use uuid::Uuid;

/// Lifecycle's events (replica changes, switches).
pub fn lifecycle_subscription() -> Subscription {
    Subscription::all(&spot_contracts::subjects::LIFECYCLE, "emergency-lifecycle")
}

/// Pricing's pool risk updates.
pub fn pricing_subscription() -> Subscription {
    Subscription::new(
        &spot_contracts::subjects::PRICING,
        "emergency-pool-risk",
        <v1::PoolRiskUpdated as spot_contracts::Event>::filter(),
    )
}

/// Handles both consumers' messages.
#[derive(Debug, Clone)]
pub struct Reactions {
    pub em: Emergency,
}

fn event_name(d: &Delivery) -> &str {
    d.subject.split('.').nth(3).unwrap_or_default()
}

impl BatchHandler for Reactions {
    /// The projection's writes of a batch share one transaction (a fleet
    /// registering at once is thousands of events a second); it commits
    /// before a step that reads the projection from another connection
    /// (promotion, a switch's notice) and at the end.
    async fn handle(&self, batch: &[Delivery]) -> Result<(), HandlerError> {
        let db_err = HandlerError::from_display;
        let mut txn = LazyTransaction::new(&self.em.db);
        for d in batch {
            let bad = |e: prost::DecodeError| {
                HandlerError(format!("undecodable {} {}: {e}", d.subject, d.event_id))
            };
            match event_name(d) {
                "agent_registered" => {
                    let e = v1::AgentRegistered::decode(d.payload.clone()).map_err(bad)?;
                    if let Some(a) = agent_of(&e) {
                        projection::upsert_agent(txn.conn().await.map_err(db_err)?, &a)
                            .await
                            .map_err(db_err)?;
                    }
                }
                "role_changed" => {
                    let e = v1::InstanceRoleChanged::decode(d.payload.clone()).map_err(bad)?;
                    let role = v1::InstanceRole::try_from(e.to_role).ok().and_then(role_name);
                    if let (Ok(group), Some(role)) = (Uuid::parse_str(&e.group_id), role) {
                        let at = occurred_at(&e.meta);
                        let conn = txn.conn().await.map_err(db_err)?;
                        projection::set_role(conn, group, &e.instance_id, role, at).await.map_err(db_err)?;
                    }
                }
                "replica_changed" => {
                    let e = v1::ReplicaChanged::decode(d.payload.clone()).map_err(bad)?;
                    let Some(replica) = e.replica else { continue };
                    if let (Ok(id), Ok(group)) =
                        (Uuid::parse_str(&replica.replica_id), Uuid::parse_str(&replica.group_id))
                    {
                        let at = occurred_at(&e.meta);
                        let row = GroupReplica::reported(id, group, &replica);
                        projection::upsert_replica(txn.conn().await.map_err(db_err)?, &row, at)
                            .await
                            .map_err(db_err)?;
                    }
                    if replica.status == "ready"
                        && let Some(secs) = replica.boot_seconds.filter(|s| *s >= 1.0)
                    {
                        let key = format!("replica:{}", replica.replica_id);
                        let conn = txn.conn().await.map_err(db_err)?;
                        boot::record(conn, &key, &replica.pool_id, secs, "replica").await.map_err(db_err)?;
                    }
                    txn.commit().await.map_err(db_err)?;
                    promotion::on_replica_ready(&self.em, &replica)
                        .await
                        .map_err(HandlerError::from_display)?;
                }
                "switch_completed" => {
                    let e = v1::SwitchCompleted::decode(d.payload.clone()).map_err(bad)?;
                    txn.commit().await.map_err(db_err)?;
                    let client = e.meta.as_ref().and_then(|m| Uuid::parse_str(&m.client_id).ok());
                    if let Some(client) = client {
                        let resolved = timeline::resolve_by_switch(
                            &self.em.db,
                            client,
                            &e.old_instance_id,
                            &e.new_instance_id,
                        )
                        .await
                        .map_err(db_err)?;
                        if let Some(n) = resolved {
                            self.em.on_switched(&n).await.map_err(HandlerError::from_display)?;
                        }
                    }
                    if let Some(secs) = e.boot_seconds {
                        let key = format!("switch:{}", e.switch_id);
                        boot::record(&self.em.db, &key, &e.new_pool_id, secs, "switch")
                            .await
                            .map_err(db_err)?;
                    }
                }
                "pool_risk_updated" => {
                    let e = v1::PoolRiskUpdated::decode(d.payload.clone()).map_err(bad)?;
                    let Some(r) = e.risk else { continue };
                    let at = from_ts(&r.analyzed_at).unwrap_or_else(Utc::now);
                    let conn = txn.conn().await.map_err(db_err)?;
                    risk::upsert(conn, &r.pool_id, r.score, &r.recommendation, at).await.map_err(db_err)?;
                }
                _ => {}
            }
        }
        txn.commit().await.map_err(db_err)
    }
}

fn role_name(r: v1::InstanceRole) -> Option<&'static str> {
    match r {
        v1::InstanceRole::Primary => Some("PRIMARY"),
        v1::InstanceRole::Replica => Some("REPLICA"),
        v1::InstanceRole::Zombie => Some("ZOMBIE"),
        v1::InstanceRole::Terminated => Some("TERMINATED"),
        v1::InstanceRole::Unspecified => None,
    }
}

/// The projection row of a registration.
fn agent_of(e: &v1::AgentRegistered) -> Option<GroupAgent> {
    let meta = e.meta.as_ref()?;
    let i = e.instance.as_ref()?;
    let spot = i.mode != v1::InstanceMode::OnDemand as i32;
    Some(GroupAgent {
        agent_id: Uuid::parse_str(&meta.agent_id).ok()?,
        client_id: Uuid::parse_str(&meta.client_id).ok()?,
        group_id: Uuid::parse_str(&e.group_id).ok()?,
        instance_id: i.instance_id.clone(),
        pool_id: (spot && !i.instance_type.is_empty() && !i.az.is_empty())
            .then(|| format!("{}.{}", i.instance_type, i.az)),
        typed: e.typed_commands,
    })
}
