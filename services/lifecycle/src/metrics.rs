//! Lifecycle's operational metrics, read from its tables
//! (`spot_platform::db_metrics`; names and alerts: docs/OBSERVABILITY.md).
//! Label sets are bounded: tenant and status, never agent ids.

use spot_platform::db_metrics::{DbKind, DbMetric};

/// Upper bounds of the switch downtime histogram, seconds (target: p95 under 10 s).
pub const DOWNTIME_BUCKETS: &[f64] = &[0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0];

/// How often agent v4 heartbeats by default (`HEARTBEAT_INTERVAL`, 30 s in
/// /work/shared/agent-protocol.md); the miss-rate alert divides by it.
pub const AGENT_HEARTBEAT_INTERVAL_SECONDS: i64 = 30;

/// Every database-derived metric of lifecycle.
pub const DB_METRICS: &[DbMetric] = &[
    DbMetric {
        name: "agents",
        help: "agents by tenant and status (online, offline)",
        kind: DbKind::Gauge,
        labels: &["tenant", "status"],
        sql: "SELECT client_id::text AS tenant, status, count(*)::float8 AS value
              FROM lifecycle.agents GROUP BY client_id, status",
    },
    DbMetric {
        name: "agent_online_ratio",
        help: "share of a tenant's agents online now; its average over time is the uptime share",
        kind: DbKind::Gauge,
        labels: &["tenant"],
        sql: "SELECT client_id::text AS tenant, avg((status = 'online')::int)::float8 AS value
              FROM lifecycle.agents GROUP BY client_id",
    },
    DbMetric {
        name: "switch_downtime_seconds",
        help: "workload downtime of each reported switch, from the timings in its report",
        kind: DbKind::Histogram(DOWNTIME_BUCKETS),
        labels: &[],
        sql: "SELECT round(downtime_seconds::numeric, 1)::float8 AS value, count(*) AS n
              FROM lifecycle.switches WHERE downtime_seconds IS NOT NULL GROUP BY 1",
    },
    DbMetric {
        name: "commands_pending",
        help: "commands waiting for their agent, by type",
        kind: DbKind::Gauge,
        labels: &["type"],
        sql: "SELECT t.type, count(c.id)::float8 AS value
              FROM (VALUES ('SWITCH'), ('CREATE_REPLICA'), ('PROMOTE_REPLICA'), ('TERMINATE_INSTANCE'), ('CLEANUP')) t(type)
              LEFT JOIN lifecycle.commands c ON c.command_type = t.type AND c.status = 'pending'
              GROUP BY t.type",
    },
];

#[cfg(test)]
mod tests {
    #[test]
    fn the_metrics_register_in_a_service_registry() -> Result<(), spot_platform::metrics::MetricsError> {
        spot_platform::db_metrics::DbMetrics::check(super::DB_METRICS)
    }
}
