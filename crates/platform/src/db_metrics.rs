//! Metrics read from a service's own tables: state the database already
//! holds (agents per status, savings, notices, consolidation runs) is
//! exported as it is there, so every replica reports the same numbers and
//! a restart loses nothing. Aggregate them across replicas with `max`, never
//! `sum` (docs/OBSERVABILITY.md).
//!
//! A [`DbMetric`] is a SQL query whose rows are samples: one text column per
//! label and a float8 `value` column; for a histogram, each row is `n`
//! (int8) observations of `value`, grouped by the query (round the value so
//! the group count stays small). [`DbMetrics::run`] refreshes every metric
//! every [`REFRESH_EVERY`]; a scrape reads the last refresh.

use crate::metrics::PlatformMetrics;
use crate::shutdown::Shutdown;
use prometheus::core::{Collector, Desc};
use prometheus::proto;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// Period of the refresh.
pub const REFRESH_EVERY: Duration = Duration::from_secs(15);

/// Type of a database-derived metric.
#[derive(Debug, Clone, Copy)]
pub enum DbKind {
    /// A value that goes up and down.
    Gauge,
    /// A total that only grows in the table (rows are added, never removed
    /// while they count).
    Counter,
    /// Observations, with these upper bounds (seconds, ascending).
    Histogram(&'static [f64]),
}

/// One metric and the query that reads it.
#[derive(Debug, Clone, Copy)]
pub struct DbMetric {
    /// Name without the `spot_` prefix the registry adds.
    pub name: &'static str,
    pub help: &'static str,
    pub kind: DbKind,
    /// Label columns of the query, in order.
    pub labels: &'static [&'static str],
    pub sql: &'static str,
}

/// The registered collector of a service's database metrics.
#[derive(Clone)]
pub struct DbMetrics {
    metrics: &'static [DbMetric],
    descs: Arc<Vec<Desc>>,
    families: Arc<RwLock<Vec<proto::MetricFamily>>>,
}

impl std::fmt::Debug for DbMetrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbMetrics").field("metrics", &self.metrics.len()).finish()
    }
}

impl DbMetrics {
    /// Registers `metrics` in the service's registry.
    pub fn register(
        platform: &PlatformMetrics,
        metrics: &'static [DbMetric],
    ) -> Result<Self, crate::metrics::MetricsError> {
        let descs = metrics
            .iter()
            .map(|m| {
                let labels = m.labels.iter().map(|l| (*l).to_owned()).collect();
                Desc::new(m.name.to_owned(), m.help.to_owned(), labels, Default::default())
            })
            .collect::<Result<Vec<_>, _>>()?;
        let collector = Self { metrics, descs: Arc::new(descs), families: Arc::default() };
        platform.registry.register(Box::new(collector.clone()))?;
        Ok(collector)
    }

    /// Registers `metrics` next to the platform's own in a fresh registry:
    /// a service's unit test that its table is valid (well-formed, unique
    /// names and labels).
    pub fn check(metrics: &'static [DbMetric]) -> Result<(), crate::metrics::MetricsError> {
        Self::register(&PlatformMetrics::new()?, metrics).map(drop)
    }

    /// Refreshes every metric until shutdown; a failing query keeps its
    /// previous values and is logged.
    pub async fn run(self, db: DatabaseConnection, shutdown: Shutdown) {
        loop {
            self.refresh(&db).await;
            tokio::select! {
                _ = shutdown.wait() => return,
                _ = tokio::time::sleep(REFRESH_EVERY) => {}
            }
        }
    }

    /// Runs every query once.
    pub async fn refresh(&self, db: &DatabaseConnection) {
        let previous = self.families.read().map(|f| f.clone()).unwrap_or_default();
        let mut families = Vec::with_capacity(self.metrics.len());
        for metric in self.metrics {
            match read(db, metric).await {
                Ok(family) => families.push(family),
                Err(e) => {
                    tracing::warn!(metric = metric.name, error = %e, "database metric not read");
                    if let Some(old) = previous.iter().find(|f| f.name() == metric.name) {
                        families.push(old.clone());
                    }
                }
            }
        }
        if let Ok(mut slot) = self.families.write() {
            *slot = families;
        }
    }
}

impl Collector for DbMetrics {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<proto::MetricFamily> {
        self.families.read().map(|f| f.clone()).unwrap_or_default()
    }
}

async fn read(db: &DatabaseConnection, metric: &DbMetric) -> Result<proto::MetricFamily, sea_orm::DbErr> {
    let rows = db.query_all_raw(Statement::from_string(DbBackend::Postgres, metric.sql)).await?;
    let mut family = proto::MetricFamily::default();
    family.set_name(metric.name.to_owned());
    family.set_help(metric.help.to_owned());
    let samples = match metric.kind {
        DbKind::Gauge | DbKind::Counter => rows
            .iter()
            .map(|row| {
                let value: Option<f64> = row.try_get("", "value")?;
                let mut m = proto::Metric::default();
                m.set_label(labels_of(row, metric.labels)?);
                match metric.kind {
                    DbKind::Counter => {
                        let mut c = proto::Counter::default();
                        c.set_value(value.unwrap_or(0.0));
                        m.set_counter(c);
                    }
                    _ => {
                        let mut g = proto::Gauge::default();
                        g.set_value(value.unwrap_or(0.0));
                        m.set_gauge(g);
                    }
                }
                Ok(m)
            })
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()?,
        DbKind::Histogram(bounds) => histograms(&rows, metric.labels, bounds)?,
    };
    family.set_field_type(match metric.kind {
        DbKind::Gauge => proto::MetricType::GAUGE,
        DbKind::Counter => proto::MetricType::COUNTER,
        DbKind::Histogram(_) => proto::MetricType::HISTOGRAM,
    });
    family.set_metric(samples);
    Ok(family)
}

fn labels_of(row: &QueryResult, names: &[&str]) -> Result<Vec<proto::LabelPair>, sea_orm::DbErr> {
    names
        .iter()
        .map(|name| {
            let value: Option<String> = row.try_get("", name)?;
            let mut pair = proto::LabelPair::default();
            pair.set_name((*name).to_owned());
            pair.set_value(value.unwrap_or_default());
            Ok(pair)
        })
        .collect()
}

/// Per label set: observation count and sum, and cumulative bucket counts.
#[derive(Default)]
struct Observed {
    count: u64,
    sum: f64,
    buckets: Vec<u64>,
}

fn histograms(
    rows: &[QueryResult],
    label_names: &[&str],
    bounds: &[f64],
) -> Result<Vec<proto::Metric>, sea_orm::DbErr> {
    let mut by_labels: BTreeMap<Vec<(String, String)>, Observed> = BTreeMap::new();
    for row in rows {
        let key = labels_of(row, label_names)?
            .into_iter()
            .map(|p| (p.name().to_owned(), p.value().to_owned()))
            .collect();
        let value: Option<f64> = row.try_get("", "value")?;
        let n: i64 = row.try_get("", "n")?;
        let (Some(value), Ok(n)) = (value, u64::try_from(n)) else { continue };
        let entry = by_labels
            .entry(key)
            .or_insert_with(|| Observed { buckets: vec![0; bounds.len()], ..Default::default() });
        entry.count += n;
        entry.sum += value * n as f64;
        for (bucket, bound) in entry.buckets.iter_mut().zip(bounds) {
            if value <= *bound {
                *bucket += n;
            }
        }
    }
    if label_names.is_empty() && by_labels.is_empty() {
        // No observation yet: an empty histogram rather than no series.
        by_labels.insert(Vec::new(), Observed { buckets: vec![0; bounds.len()], ..Default::default() });
    }
    Ok(by_labels
        .into_iter()
        .map(|(labels, observed)| {
            let mut h = proto::Histogram::default();
            h.set_sample_count(observed.count);
            h.set_sample_sum(observed.sum);
            h.set_bucket(
                observed
                    .buckets
                    .iter()
                    .zip(bounds)
                    .map(|(count, bound)| {
                        let mut b = proto::Bucket::default();
                        b.set_cumulative_count(*count);
                        b.set_upper_bound(*bound);
                        b
                    })
                    .collect(),
            );
            let mut m = proto::Metric::default();
            m.set_label(
                labels
                    .into_iter()
                    .map(|(name, value)| {
                        let mut pair = proto::LabelPair::default();
                        pair.set_name(name);
                        pair.set_value(value);
                        pair
                    })
                    .collect(),
            );
            m.set_histogram(h);
            m
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const METRICS: &[DbMetric] = &[
        DbMetric { name: "things", help: "things", kind: DbKind::Gauge, labels: &["kind"], sql: "" },
        DbMetric { name: "things_done_total", help: "done", kind: DbKind::Counter, labels: &[], sql: "" },
        DbMetric {
            name: "wait_seconds",
            help: "waits",
            kind: DbKind::Histogram(&[1.0, 5.0]),
            labels: &[],
            sql: "",
        },
    ];

    #[test]
    fn registers_next_to_the_platform_metrics() {
        let platform = PlatformMetrics::new();
        assert!(platform.is_ok());
        let Ok(platform) = platform else { return };
        let registered = platform.database(METRICS);
        assert!(registered.is_ok(), "{registered:?}");
    }
}
