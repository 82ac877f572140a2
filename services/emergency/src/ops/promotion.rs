//! Automatic promotion: a ready replica of a group with a waiting
//! termination notice becomes PRIMARY through lifecycle's atomic promotion.
//! The notice is claimed first (one conditional UPDATE), so two replicas of
//! this service never promote twice; lifecycle's version check is the second
//! guard.

use super::{Emergency, events};
use crate::error::Result;
use crate::store::boot;
use crate::store::notices::{self, NoticeRow, PromotionEnd};
use sea_orm::TransactionTrait;
use spot_contracts::v1;
use spot_platform::store::enqueue;
use uuid::Uuid;

/// A replica reported `ready`: promote it when its group waits for one.
pub async fn on_replica_ready(em: &Emergency, replica: &v1::ReplicaRecord) -> Result<Option<NoticeRow>> {
    if replica.status != "ready" || replica.role != "REPLICA" {
        return Ok(None);
    }
    let Ok(group) = Uuid::parse_str(&replica.group_id) else { return Ok(None) };
    let Some(claimed) = claim(em, None, Some(group), replica).await? else { return Ok(None) };
    // The replica's boot, measured from our instruction to its ready report.
    if let (Some(decided), Some(ready)) = (claimed.decided_at, claimed.replica_ready_at) {
        let pool = if replica.pool_id.is_empty() {
            claimed.target_pool_id.clone()
        } else {
            Some(replica.pool_id.clone())
        };
        let seconds = (ready - decided).num_milliseconds() as f64 / 1000.0;
        boot::record(
            &em.db,
            &format!("notice:{}", claimed.id),
            &pool.unwrap_or_default(),
            seconds,
            "emergency",
        )
        .await?;
    }
    finish(em, claimed, replica).await.map(Some)
}

/// Promotes `replica` for notice `notice` (still `detected`, same request).
pub async fn promote_for(
    em: &Emergency,
    notice: &NoticeRow,
    id: Option<Uuid>,
    replica: &v1::ReplicaRecord,
) -> Result<Option<NoticeRow>> {
    let Some(claimed) = claim(em, id, notice.group_id, replica).await? else { return Ok(None) };
    finish(em, claimed, replica).await.map(Some)
}

async fn claim(
    em: &Emergency,
    id: Option<Uuid>,
    group: Option<Uuid>,
    replica: &v1::ReplicaRecord,
) -> Result<Option<NoticeRow>> {
    let Ok(replica_id) = Uuid::parse_str(&replica.replica_id) else { return Ok(None) };
    Ok(notices::claim(&em.db, id, group, replica_id, &replica.instance_id).await?)
}

impl Emergency {
    /// A switch moved a noticed workload: the notice is resolved.
    pub async fn on_switched(&self, n: &NoticeRow) -> Result<()> {
        self.metrics.notices.with_label_values(&["termination", "switched"]).inc();
        self.observe("promotion", n.received_at);
        let txn = self.db.begin().await?;
        crate::store::timeline::add_step(
            &txn,
            n.id,
            "switched",
            n.target_mode.as_deref(),
            None,
            None,
            &n.reason,
        )
        .await?;
        enqueue(&txn, crate::SCHEMA, &events::changed(n)).await?;
        txn.commit().await?;
        Ok(())
    }
}

async fn finish(em: &Emergency, claimed: NoticeRow, replica: &v1::ReplicaRecord) -> Result<NoticeRow> {
    let request_id = format!("emergency:{}:{}", claimed.id, replica.replica_id);
    em.rpc("promote_replica");
    let outcome =
        em.lifecycle.promote(claimed.client_id, claimed.agent_id, &replica.replica_id, &request_id).await;
    let txn = em.db.begin().await?;
    let row = match outcome {
        Ok(p) => {
            let reason = format!(
                "replica {} promoted; {} is now {}",
                p.new_primary_instance_id, p.old_primary_instance_id, p.old_primary_role
            );
            let row = notices::end_promotion(&txn, claimed.id, PromotionEnd::Committed, &reason).await?;
            em.metrics.notices.with_label_values(&["termination", "promoted"]).inc();
            em.observe("promotion", claimed.received_at);
            row
        }
        Err(e) => {
            tracing::warn!(notice = %claimed.id, error = %e, "emergency promotion refused");
            notices::end_promotion(&txn, claimed.id, PromotionEnd::Failed, &format!("promotion failed: {e}"))
                .await?
        }
    };
    let row = row.unwrap_or(claimed);
    if row.status == "resolved" {
        enqueue(&txn, crate::SCHEMA, &events::changed(&row)).await?;
    }
    txn.commit().await?;
    Ok(row)
}
