//! The deadline sweep: waiting termination notices past their deadline fail
//! (metric, event, reason) and the fallback chain takes its next step: the
//! next-fastest safe pool, then on-demand. Each expired notice is returned
//! by exactly one sweeper (conditional UPDATE), however many replicas run.

use super::{Emergency, events, type_of};
use crate::error::Result;
use crate::store::{boot, notices};
use chrono::{DateTime, Duration, Utc};
use sea_orm::TransactionTrait;
use spot_contracts::v1;
use spot_domain::emergency::{FallbackStep, fallback_after};
use spot_domain::group::{CommandPriority, CommandType};
use spot_platform::store::enqueue;
use uuid::Uuid;

/// Open rebalance recommendations are closed after this long.
const REBALANCE_TTL: Duration = Duration::hours(6);

/// One sweep; returns the notices that failed.
pub async fn sweep(em: &Emergency, now: DateTime<Utc>) -> Result<Vec<notices::NoticeRow>> {
    notices::close_stale_rebalances(&em.db, now - REBALANCE_TTL).await?;
    let expired = notices::expire(&em.db, now).await?;
    let mut failed = Vec::with_capacity(expired.len());
    for n in expired {
        em.metrics.notices.with_label_values(&["termination", "failed"]).inc();
        let pool = n.pool_id.clone().unwrap_or_default();
        let stats = boot::stats(&em.db, type_of(&pool)).await?;
        let tried: Vec<&str> =
            [Some(pool.as_str()), n.target_pool_id.as_deref()].into_iter().flatten().collect();
        let step = fallback_after(&stats, &tried);
        let (mode, target) = match &step {
            FallbackStep::Pool(p) => ("spot", Some(p.pool_id.clone())),
            FallbackStep::OnDemand => ("ondemand", None),
        };
        let queued = em
            .lifecycle
            .queue(v1::QueueCommandRequest {
                agent: Some(crate::lifecycle::agent_ref(n.client_id, n.agent_id)),
                command_type: CommandType::CreateReplica.as_str().into(),
                priority: CommandPriority::Emergency.value(),
                target_mode: Some(mode.into()),
                target_pool_id: target,
                deadline: None,
                request_id: format!("emergency-fallback:{}", n.id),
                actor: "emergency".into(),
                only_if_typed: true,
            })
            .await;
        let command = match &queued {
            Ok(q) => q.command.as_ref().and_then(|c| Uuid::parse_str(&c.id).ok()),
            Err(e) => {
                tracing::warn!(notice = %n.id, error = %e, "fallback command not queued");
                None
            }
        };
        let label = match (&step, command) {
            (s, Some(_)) => s.label(),
            (s, None) => format!("{} (no agent of the group can run it; recorded only)", s.label()),
        };
        let txn = em.db.begin().await?;
        notices::set_fallback(&txn, n.id, &label, command).await?;
        let row = notices::NoticeRow { fallback: label, ..n };
        enqueue(&txn, crate::SCHEMA, &events::changed(&row)).await?;
        txn.commit().await?;
        tracing::error!(notice = %row.id, instance = %row.instance_id, fallback = %row.fallback, "termination deadline missed");
        failed.push(row);
    }
    Ok(failed)
}
