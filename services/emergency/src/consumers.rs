//! Events the emergency service reacts to:
//! - lifecycle `replica_changed` (a ready replica is promoted when its group
//!   waits for one) and `switch_completed` (boot times per pool);
//! - pricing `pool_risk_updated` (the pool risk it scores with).
//!
//! Every effect is idempotent by state (a notice is claimed once, a boot
//! sample has a unique key, risk keeps the newest), so redelivery is safe.

use crate::ops::{Emergency, from_ts, promotion};
use crate::store::{boot, risk};
use chrono::Utc;
use prost::Message;
use spot_contracts::v1;
use spot_platform::bus::{BatchHandler, Delivery, HandlerError, Subscription};

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
    async fn handle(&self, batch: &[Delivery]) -> Result<(), HandlerError> {
        for d in batch {
            let bad = |e: prost::DecodeError| {
                HandlerError(format!("undecodable {} {}: {e}", d.subject, d.event_id))
            };
            match event_name(d) {
                "replica_changed" => {
                    let e = v1::ReplicaChanged::decode(d.payload.clone()).map_err(bad)?;
                    let Some(replica) = e.replica else { continue };
                    if replica.status == "ready"
                        && let Some(secs) = replica.boot_seconds.filter(|s| *s >= 1.0)
                    {
                        boot::record(
                            &self.em.db,
                            &format!("replica:{}", replica.replica_id),
                            &replica.pool_id,
                            secs,
                            "replica",
                        )
                        .await
                        .map_err(HandlerError::from_display)?;
                    }
                    promotion::on_replica_ready(&self.em, &replica)
                        .await
                        .map_err(HandlerError::from_display)?;
                }
                "switch_completed" => {
                    let e = v1::SwitchCompleted::decode(d.payload.clone()).map_err(bad)?;
                    if let Some(secs) = e.boot_seconds {
                        boot::record(
                            &self.em.db,
                            &format!("switch:{}", e.switch_id),
                            &e.new_pool_id,
                            secs,
                            "switch",
                        )
                        .await
                        .map_err(HandlerError::from_display)?;
                    }
                }
                "pool_risk_updated" => {
                    let e = v1::PoolRiskUpdated::decode(d.payload.clone()).map_err(bad)?;
                    let Some(r) = e.risk else { continue };
                    let at = from_ts(&r.analyzed_at).unwrap_or_else(Utc::now);
                    risk::upsert(&self.em.db, &r.pool_id, r.score, &r.recommendation, at)
                        .await
                        .map_err(HandlerError::from_display)?;
                }
                _ => {}
            }
        }
        Ok(())
    }
}
