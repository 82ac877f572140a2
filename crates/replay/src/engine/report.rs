//! The replay's report: an aligned table for people and one JSON line for
//! scripts (the benches' convention).

use super::{Outcome, ReplayConfig};
use crate::trace::Trace;
use serde_json::json;

/// The table, one row per policy.
pub fn table(outcomes: &[Outcome]) -> String {
    let mut out = format!(
        "{:<22} {:>9} {:>10} {:>6} {:>6} {:>6} {:>10} {:>10} {:>9} {:>8}\n",
        "policy", "savings%", "avail%", "intr", "fover", "switch", "down_s", "cost", "replica_h", "od_h"
    );
    for o in outcomes {
        out.push_str(&row(o));
        out.push('\n');
    }
    out
}

/// One policy's row of the table (no line end).
pub fn row(o: &Outcome) -> String {
    format!(
        "{:<22} {:>9.2} {:>10.4} {:>6} {:>6} {:>6} {:>10.0} {:>10.2} {:>9.1} {:>8.1}",
        o.policy,
        o.savings_percent,
        o.availability_percent,
        o.interruptions,
        o.failovers,
        o.switches,
        o.downtime_seconds,
        o.cost,
        o.replica_hours,
        o.on_demand_hours
    )
}

/// One JSON line with the market, the model and every outcome.
pub fn json_line(trace: &Trace, cfg: &ReplayConfig, outcomes: &[Outcome], elapsed_secs: f64) -> String {
    json!({
        "replay": {
            "pools": trace.pools.len(),
            "ticks": trace.ticks(),
            "days": trace.duration_secs() / 86_400.0,
            "boot_seconds": cfg.boot_seconds,
            "availability_target": cfg.availability_target,
            "seed": cfg.seed,
            "elapsed_seconds": elapsed_secs,
        },
        "results": outcomes,
    })
    .to_string()
}
