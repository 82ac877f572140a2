//! Periodic report bodies built from the agent's instance and the cloud's
//! prices: the pricing report (own pool and the same type's pools in every
//! AZ) and the hourly cleanup report.

use super::spec::InstanceFacts;
use super::wire::{
    AmiCleanup, CleanupOutcome, CleanupReport, PoolPrice, Pricing, PricingInstance, PricingReport,
    SnapshotCleanup, SpotPool,
};
use super::wire_time::naive;
use crate::cloud::{Cloud, Market};
use chrono::{DateTime, TimeDelta, Utc};

/// v4 falls back to this on-demand price when it cannot look one up.
const FALLBACK_ON_DEMAND: f64 = 0.1;

/// v4 cleanup defaults: snapshots older than 7 days, images older than 30.
const SNAPSHOT_DAYS: i64 = 7;
const AMI_DAYS: i64 = 30;

/// The pricing report the agent on `facts` sends at `at`.
pub fn pricing_report(facts: &InstanceFacts, cloud: &Cloud, at: DateTime<Utc>) -> PricingReport {
    let spot_pools: Vec<SpotPool> = cloud
        .pools_of_type(&facts.instance_type)
        .map(|p| SpotPool {
            pool_id: p.id.to_string(),
            instance_type: p.id.instance_type.clone(),
            az: p.id.az.clone(),
            price: p.price(),
        })
        .collect();
    let on_spot = facts.market == Market::Spot && !spot_pools.is_empty();
    let own_pool = facts.pool_id().map(|p| p.to_string()).filter(|_| on_spot);
    let current_spot_price =
        own_pool.as_ref().and_then(|id| spot_pools.iter().find(|p| p.pool_id == *id)).map(|p| p.price);
    let cheapest_pool = on_spot
        .then(|| spot_pools.iter().min_by(|a, b| a.price.total_cmp(&b.price)))
        .flatten()
        .map(|p| PoolPrice { pool_id: p.pool_id.clone(), price: p.price });
    PricingReport {
        instance: PricingInstance {
            instance_id: facts.instance_id.clone(),
            instance_type: facts.instance_type.clone(),
            region: facts.region.clone(),
            az: facts.az.clone(),
            mode: facts.market.as_str().to_owned(),
            pool_id: own_pool,
        },
        pricing: Pricing {
            on_demand_price: cloud.on_demand_price(&facts.instance_type).unwrap_or(FALLBACK_ON_DEMAND),
            current_spot_price,
            cheapest_pool,
            spot_pools,
            collected_at: naive(at),
        },
    }
}

/// The cleanup report at `at` (the simulated account has nothing old to
/// delete, so the lists are empty as in the capture).
pub fn cleanup_report(at: DateTime<Utc>) -> CleanupReport {
    CleanupReport {
        timestamp: naive(at),
        snapshots: SnapshotCleanup {
            kind: "snapshots".into(),
            deleted: Vec::new(),
            outcome: CleanupOutcome::done(naive(at - TimeDelta::days(SNAPSHOT_DAYS))),
        },
        amis: AmiCleanup {
            kind: "amis".into(),
            deleted_amis: Vec::new(),
            deleted_snapshots: Vec::new(),
            outcome: CleanupOutcome::done(naive(at - TimeDelta::days(AMI_DAYS))),
        },
    }
}
