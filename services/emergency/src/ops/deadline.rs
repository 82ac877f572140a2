//! The step sweep: a termination notice whose current placement step did
//! not produce a running replacement by its deadline fails (metric, event,
//! reason) and the fallback chain takes its next step, as a command the
//! agent runs (v4: a priority-100 switch; typed: CREATE_REPLICA): the next
//! fastest safe pool not yet tried, then on-demand, which marks the group
//! for return to spot. Every step lands on the notice's timeline. Each due
//! notice is returned by exactly one sweeper (UPDATE ... SKIP LOCKED).

use super::{Emergency, events};
use crate::error::Result;
use crate::store::{notices, timeline};
use chrono::{DateTime, Duration, Utc};
use sea_orm::TransactionTrait;
use spot_domain::emergency::{Effect, Target, decide_fallback};
use spot_platform::store::enqueue;

/// Open rebalance recommendations are closed after this long.
const REBALANCE_TTL: Duration = Duration::hours(6);

/// One sweep; returns the notices that took a fallback step.
pub async fn sweep(em: &Emergency, now: DateTime<Utc>) -> Result<Vec<notices::NoticeRow>> {
    notices::close_stale_rebalances(&em.db, now - REBALANCE_TTL).await?;
    let due = timeline::due_steps(&em.db, now).await?;
    let mut stepped = Vec::with_capacity(due.len());
    for (n, first_miss) in due {
        if first_miss {
            em.metrics.notices.with_label_values(&["termination", "failed"]).inc();
            tracing::error!(notice = %n.id, instance = %n.instance_id, "termination deadline missed");
        }
        match step(em, &n, now).await {
            Ok(row) => stepped.push(row),
            Err(e) => tracing::warn!(notice = %n.id, error = %e, "fallback step not taken"),
        }
    }
    Ok(stepped)
}

/// The fallback label of a notice whose chain has nothing left to try.
pub const EXHAUSTED: &str = "exhausted";

async fn step(em: &Emergency, n: &notices::NoticeRow, now: DateTime<Utc>) -> Result<notices::NoticeRow> {
    let noticed = n.pool_id.clone().unwrap_or_default();
    let stats = em.stats(&noticed).await?;
    let mut tried: Vec<&str> = vec![noticed.as_str()];
    tried.extend(n.tried_pools.iter().map(String::as_str));
    // Already on the last step: the chain has nothing left to try.
    let was_on_demand = n.target_mode.as_deref() == Some("ondemand") && !n.fallback.is_empty();
    let decision = decide_fallback(n.typed, &stats, &tried);
    let target = decision.target.clone().unwrap_or(Target::OnDemand);
    let step_deadline = (!was_on_demand)
        .then(|| now + Duration::from_std(em.default_deadline).unwrap_or(Duration::minutes(2)));
    let label = match &target {
        _ if was_on_demand => EXHAUSTED.to_owned(),
        Target::Pool(p) => format!("pool:{p}"),
        Target::OnDemand => "ondemand".to_owned(),
    };
    let command = if was_on_demand {
        None
    } else {
        let seq = n.tried_pools.len() + usize::from(n.fallback.is_empty()) + 1;
        let request = format!("emergency:{}:{seq}:{label}", n.id);
        let deadline = step_deadline.unwrap_or(now);
        em.queue_step(n.client_id, n.agent_id, n.typed, &target, deadline, request).await?
    };
    let txn = em.db.begin().await?;
    let reason = if was_on_demand {
        "on-demand did not come up either; the chain is exhausted".to_owned()
    } else {
        decision.reason.clone()
    };
    let name = if was_on_demand { "exhausted" } else { "fallback" };
    timeline::add_step(&txn, n.id, name, Some(target.mode()), target.pool(), command, &reason).await?;
    let row = timeline::set_step(&txn, n.id, &label, target.mode(), target.pool(), command, step_deadline)
        .await?
        .unwrap_or_else(|| n.clone());
    enqueue(&txn, crate::SCHEMA, &events::changed(&row)).await?;
    if !was_on_demand
        && decision.effects.contains(&Effect::MarkReturnToSpot)
        && timeline::mark_return_to_spot(&txn, &row, &reason).await?
    {
        enqueue(&txn, crate::SCHEMA, &events::return_to_spot(&row, &reason)).await?;
    }
    txn.commit().await?;
    tracing::warn!(notice = %row.id, fallback = %row.fallback, command = ?command, "fallback step taken");
    Ok(row)
}
