//! Events the decisions service projects (it never reads other schemas):
//! - lifecycle: `agent_registered`, `role_changed`, `switch_completed`
//!   (where each group's PRIMARY runs, its switches), `group_settings_changed`
//!   (auto_switch, thresholds, availability target), `command_finished`
//!   (execution results of our switch commands);
//! - pricing: `pool_risk_updated` (risk per pool; a class change makes the
//!   type's groups due) and `consolidation_finished` (copy new prices, fill
//!   in realised savings, make every auto-switch group due);
//! - emergency: `notice` / `notice_changed` (open notices, failovers,
//!   return-to-spot marks, interruptions after a switch);
//! - ingest: `pricing_report` (pools and on-demand prices).
//!
//! A batch is one transaction with its inbox rows; every effect is also an
//! idempotent upsert, so redelivery is harmless.

mod emergency;
mod lifecycle;
mod pricing;

use crate::engine::Engine;
use spot_contracts::subjects;
use spot_platform::bus::{BatchHandler, Delivery, HandlerError, Subscription};

/// Which stream a consumer reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Lifecycle,
    Pricing,
    Emergency,
    Ingest,
}

impl Source {
    pub const ALL: [Source; 4] = [Self::Lifecycle, Self::Pricing, Self::Emergency, Self::Ingest];

    fn durable(self) -> &'static str {
        match self {
            Self::Lifecycle => "decisions-lifecycle",
            Self::Pricing => "decisions-pricing",
            Self::Emergency => "decisions-emergency",
            Self::Ingest => "decisions-pricing-reports",
        }
    }

    /// What the source's consumer reads (tuning: the platform's).
    pub fn subscription(self) -> Subscription {
        match self {
            Self::Lifecycle => Subscription::all(&subjects::LIFECYCLE, self.durable()),
            Self::Pricing => Subscription::all(&subjects::PRICING, self.durable()),
            Self::Emergency => Subscription::all(&subjects::EMERGENCY, self.durable()),
            Self::Ingest => Subscription::new(
                &subjects::INGEST,
                self.durable(),
                <spot_contracts::v1::PricingReportReceived as spot_contracts::Event>::filter(),
            ),
        }
    }
}

/// Applies one source's events.
#[derive(Debug, Clone)]
pub struct Projector {
    pub engine: Engine,
    pub source: Source,
}

pub(crate) fn event_name(d: &Delivery) -> &str {
    d.subject.split('.').nth(3).unwrap_or_default()
}

pub(crate) fn bad(d: &Delivery) -> impl Fn(prost::DecodeError) -> HandlerError + '_ {
    move |e| HandlerError(format!("undecodable {} {}: {e}", d.subject, d.event_id))
}

pub(crate) fn uuid(raw: &str) -> Option<uuid::Uuid> {
    uuid::Uuid::parse_str(raw.trim()).ok()
}

impl BatchHandler for Projector {
    async fn handle(&self, batch: &[Delivery]) -> Result<(), HandlerError> {
        // Work that calls other services happens before the transaction
        // (idempotent, so a failed batch may simply repeat it).
        if self.source == Source::Pricing {
            pricing::before(&self.engine, batch).await?;
        }
        let (txn, new) =
            spot_platform::store::begin_batch(&self.engine.db, crate::SCHEMA, self.source.durable(), batch)
                .await?;
        match self.source {
            Source::Lifecycle => lifecycle::apply(&txn, &new).await?,
            Source::Pricing => pricing::apply(&txn, &new).await?,
            Source::Emergency => emergency::apply(&self.engine, &txn, &new).await?,
            Source::Ingest => pricing::reports(&txn, &new).await?,
        }
        txn.commit().await.map_err(HandlerError::from_display)
    }
}
