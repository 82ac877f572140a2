//! Pricing's operational metrics, read from its job and savings tables
//! (`spot_platform::db_metrics`; names and alerts: docs/OBSERVABILITY.md).
//! Labels are bounded: run outcome and tenant.

use spot_platform::db_metrics::{DbKind, DbMetric};

/// A counter: one column summed over the successful consolidation runs.
macro_rules! succeeded_total {
    ($name:literal sums $column:literal: $help:literal) => {
        DbMetric {
            name: $name,
            help: $help,
            kind: DbKind::Counter,
            labels: &[],
            sql: concat!(
                "SELECT coalesce(sum(",
                $column,
                "), 0)::float8 AS value FROM pricing.consolidation_jobs WHERE status = 'succeeded'"
            ),
        }
    };
}

/// Every database-derived metric of pricing.
pub const DB_METRICS: &[DbMetric] = &[
    DbMetric {
        name: "consolidation_runs_total",
        help: "price consolidation runs by outcome (succeeded, failed, skipped: another run held the slot)",
        kind: DbKind::Counter,
        labels: &["outcome"],
        sql: "SELECT o.outcome, count(j.id)::float8 AS value
              FROM (VALUES ('succeeded'), ('failed'), ('skipped')) o(outcome)
              LEFT JOIN pricing.consolidation_jobs j ON j.status = o.outcome GROUP BY o.outcome",
    },
    succeeded_total! { "consolidation_duplicates_removed_total" sums "duplicates_removed":
    "duplicate price points removed by successful consolidation runs" },
    succeeded_total! { "consolidation_gaps_interpolated_total" sums "gaps_interpolated":
    "price gaps filled by interpolation in successful consolidation runs" },
    succeeded_total! { "consolidation_backfilled_total" sums "backfills_added":
    "price points added from the provider's history by successful consolidation runs" },
    // Before the first success, the time the schema was installed: the
    // "no run in 13 h" alert then counts from the installation.
    DbMetric {
        name: "consolidation_last_success_timestamp_seconds",
        help: "end of the last successful consolidation run (Unix time), or the installation time before any",
        kind: DbKind::Gauge,
        labels: &[],
        sql: "SELECT extract(epoch FROM coalesce(
                  (SELECT max(finished_at) FROM pricing.consolidation_jobs WHERE status = 'succeeded'),
                  (SELECT min(applied_at) FROM pricing.schema_migrations)))::float8 AS value",
    },
    DbMetric {
        name: "savings_ratio",
        help: "share of the on-demand cost a tenant saved on its latest computed day",
        kind: DbKind::Gauge,
        labels: &["tenant"],
        sql: "SELECT DISTINCT ON (client_id) client_id::text AS tenant,
                     (CASE WHEN on_demand_equivalent_cost > 0
                           THEN savings / on_demand_equivalent_cost ELSE 0 END)::float8 AS value
              FROM pricing.savings_snapshots ORDER BY client_id, day DESC",
    },
    DbMetric {
        name: "savings_fleet_ratio",
        help: "share of the on-demand cost all tenants together saved on the latest computed day (0 before any)",
        kind: DbKind::Gauge,
        labels: &[],
        sql: "SELECT coalesce(sum(savings) / nullif(sum(on_demand_equivalent_cost), 0), 0)::float8 AS value
              FROM pricing.savings_snapshots WHERE day = (SELECT max(day) FROM pricing.savings_snapshots)",
    },
];

#[cfg(test)]
mod tests {
    #[test]
    fn the_metrics_register_in_a_service_registry() -> Result<(), spot_platform::metrics::MetricsError> {
        spot_platform::db_metrics::DbMetrics::check(super::DB_METRICS)
    }
}
