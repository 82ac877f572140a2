//! One evaluation round: claim due auto-switch groups in chunks (`FOR
//! UPDATE SKIP LOCKED`, so two replicas split them), decide for each, write
//! the chunk's decisions, rejections and events in one transaction (a few
//! multi-row statements, not one per group) with
//! the groups' next evaluation time, then queue the accepted switches.
//!
//! The evaluation key is `<group>:<next_eval_at>`: a replica that claimed
//! the same scheduled evaluation after a crash, or a redelivered event that
//! set the same time, finds the key taken and decides nothing twice.

use super::Engine;
use super::evaluate::{ActiveModels, Evaluated, evaluate};
use super::input::{PoolCache, build};
use crate::events;
use crate::store::decisions::{self, Rejected};
use crate::store::reads::{self, GroupHistory};
use chrono::{DateTime, Utc};
use futures::StreamExt;
use sea_orm::{DbErr, TransactionTrait};
use spot_platform::store::enqueue_all;

/// Evaluations in flight at once (external models wait on the network).
const CONCURRENCY: usize = 32;

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundStats {
    pub groups: usize,
    pub decided: usize,
    pub acted: usize,
    pub skipped: usize,
}

/// Evaluates every group due at `now`.
pub async fn run_round(engine: &Engine, now: DateTime<Utc>) -> Result<RoundStats, DbErr> {
    let active = ActiveModels::load(engine).await?;
    let mut cache = PoolCache::default();
    let mut stats = RoundStats::default();
    let next =
        now + chrono::Duration::from_std(engine.cfg.eval_interval).unwrap_or(chrono::Duration::minutes(5));
    let empty = GroupHistory::default();
    loop {
        let txn = engine.db.begin().await?;
        let groups = reads::claim_due(&txn, now, engine.cfg.chunk).await?;
        if groups.is_empty() {
            txn.rollback().await?;
            break;
        }
        let ids: Vec<_> = groups.iter().map(|g| g.group_id).collect();
        let history = reads::histories(&txn, &ids, now).await?;
        let mut jobs = Vec::with_capacity(groups.len());
        for g in &groups {
            let Some(t) = g.instance_type.as_deref() else {
                stats.skipped += 1;
                continue;
            };
            let pools = cache.get(&txn, t, now).await?;
            match build(g, history.get(&g.group_id).unwrap_or(&empty), &pools, now) {
                Ok((input, summary, digest)) => jobs.push((g.clone(), input, summary, digest)),
                Err(why) => {
                    stats.skipped += 1;
                    tracing::debug!(group = %g.group_id, why, "group skipped this round");
                }
            }
        }
        let evaluated: Vec<_> = futures::stream::iter(jobs)
            .map(|(g, input, summary, digest)| {
                let active = &active;
                async move {
                    let key = format!("{}:{}", g.group_id, g.next_eval_at.timestamp_micros());
                    evaluate(engine, active, &g, input, summary, digest, key, now).await
                }
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
        let all: Vec<&_> = evaluated.iter().map(|e| &e.decision).collect();
        let written = decisions::insert_all(&txn, &all).await?;
        let fresh: Vec<&Evaluated> = evaluated.iter().filter(|e| written.contains(&e.decision.id)).collect();
        stats.decided += fresh.len();
        let rejected: Vec<Rejected> = fresh
            .iter()
            .filter_map(|e| {
                let (d, r) = (&e.decision, e.rejected.as_ref()?);
                Some(Rejected {
                    decision_id: d.id,
                    client_id: d.client_id,
                    group_id: d.group_id,
                    model_id: d.model_id,
                    model_name: &d.model_name,
                    model_version: &d.model_version,
                    code: &r.code,
                    reason: &r.reason,
                    raw_output: r.raw.clone(),
                })
            })
            .collect();
        decisions::reject_all(&txn, &rejected).await?;
        // An acted decision's event leaves once its command is queued (act.rs).
        let (acting, quiet): (Vec<&Evaluated>, Vec<&Evaluated>) =
            fresh.iter().copied().partition(|e| e.decision.command_status.is_some());
        let made: Vec<_> = quiet.iter().map(|e| events::made(&e.decision, false, None)).collect();
        enqueue_all(&txn, crate::SCHEMA, &made).await?;
        let to_act: Vec<_> = acting.iter().map(|e| e.decision.id).collect();
        reads::reschedule(&txn, &ids, next).await?;
        txn.commit().await?;
        stats.groups += groups.len();
        if !to_act.is_empty() {
            stats.acted += super::act::queue_commands(engine, Some(&to_act)).await?;
        }
    }
    Ok(stats)
}
