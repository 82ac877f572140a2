//! The emergency service's operations driven directly (not over HTTP),
//! against the test stack's database and its lifecycle service: two racing
//! instances, or one whose lifecycle calls are counted.

use crate::helpers::TestStack;
use spot_emergency::ops::{Emergency, Metrics};
use std::time::Duration;

/// An `Emergency` on the stack's database and lifecycle, its metrics in `registry`.
pub fn emergency_ops(t: &TestStack, registry: &prometheus::Registry) -> anyhow::Result<Emergency> {
    let lifecycle = t
        .stack
        .as_ref()
        .and_then(|s| s.lifecycle.grpc_addr)
        .ok_or_else(|| anyhow::anyhow!("no lifecycle"))?;
    Ok(Emergency {
        db: t.db.clone(),
        lifecycle: spot_emergency::lifecycle::Lifecycle::new(&format!("http://{lifecycle}"))
            .map_err(anyhow::Error::msg)?,
        metrics: Metrics::new(registry)?,
        default_deadline: Duration::from_secs(120),
    })
}
