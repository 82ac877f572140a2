//! Emergency's operational metrics read from its notices
//! (`spot_platform::db_metrics`; names and alerts: docs/OBSERVABILITY.md),
//! next to the counters `ops::Metrics` keeps in process
//! (`spot_emergency_notices_total`, and the notice -> action histogram
//! `spot_emergency_latency_seconds`). Labels are bounded: kind and outcome.

use spot_platform::db_metrics::{DbKind, DbMetric};

/// Every database-derived metric of emergency.
pub const DB_METRICS: &[DbMetric] = &[
    DbMetric {
        name: "emergency_promotions_total",
        help: "replica promotions for notices: succeeded (replica promoted), failed (notice handling failed)",
        kind: DbKind::Counter,
        labels: &["outcome"],
        sql: "SELECT o.outcome,
                     (CASE o.outcome
                        WHEN 'succeeded' THEN count(*) FILTER (WHERE n.promoted_at IS NOT NULL)
                        ELSE count(*) FILTER (WHERE n.status = 'failed') END)::float8 AS value
              FROM (VALUES ('succeeded'), ('failed')) o(outcome)
              LEFT JOIN emergency.notices n ON true GROUP BY o.outcome",
    },
    DbMetric {
        name: "emergency_deadlines_missed_total",
        help: "termination notices whose deadline passed before the workload moved",
        kind: DbKind::Counter,
        labels: &[],
        sql: "SELECT count(*) FILTER (WHERE deadline_missed)::float8 AS value FROM emergency.notices",
    },
    DbMetric {
        name: "emergency_notices_open",
        help: "notices not yet resolved or failed, by kind",
        kind: DbKind::Gauge,
        labels: &["kind"],
        sql: "SELECT k.kind, count(n.id)::float8 AS value
              FROM (VALUES ('termination'), ('rebalance')) k(kind)
              LEFT JOIN emergency.notices n
                ON n.kind = k.kind AND n.status IN ('detected', 'handling', 'promoting')
              GROUP BY k.kind",
    },
];

#[cfg(test)]
mod tests {
    #[test]
    fn the_metrics_register_in_a_service_registry() {
        let platform = spot_platform::metrics::PlatformMetrics::new();
        assert!(platform.is_ok());
        if let Ok(platform) = platform {
            let registered = platform.database(super::DB_METRICS);
            assert!(registered.is_ok(), "{registered:?}");
        }
    }
}
