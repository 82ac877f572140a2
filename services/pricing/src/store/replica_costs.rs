//! Replica cost per UTC day (the daily job writes it hourly into
//! `replica_cost_log`, `store::savings::save_replica_costs`) next to the
//! day's savings snapshot, so the operators' API can show savings net of
//! what the replicas cost. Newest day first with a `(day, tenant)` keyset
//! cursor. docs/OPERATORS_API.md, "Replica cost".

use super::sql;
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use spot_domain::ops::{Cursor, PageLimit};
use uuid::Uuid;

/// One tenant's day: replica hours and cost, and the day's savings when
/// its snapshot was computed.
#[derive(Debug, Clone, PartialEq, FromQueryResult)]
pub struct ReplicaCostDay {
    pub client_id: Uuid,
    pub day: NaiveDate,
    pub day_start: DateTime<Utc>,
    pub replica_hours: f64,
    pub replica_cost: f64,
    pub savings: Option<f64>,
    pub on_demand_equivalent_cost: Option<f64>,
}

impl ReplicaCostDay {
    /// The day's savings minus what its replicas cost (unknown while the
    /// day's savings are not computed).
    pub fn net_savings(&self) -> Option<f64> {
        self.savings.map(|s| s - self.replica_cost)
    }
}

/// Filters of a page: `client: None` reads every tenant (admin token);
/// days `from..to` (to exclusive).
#[derive(Debug, Clone, Copy, Default)]
pub struct CostQuery {
    pub client: Option<Uuid>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One page, newest day first, and the next page's cursor. A day appears
/// when it has replica cost or a savings snapshot.
pub async fn page<C: ConnectionTrait>(
    conn: &C,
    q: CostQuery,
    limit: PageLimit,
    after: Option<Cursor>,
) -> Result<(Vec<ReplicaCostDay>, Option<String>), DbErr> {
    let (at, id) = Cursor::bounds(after);
    let rows = ReplicaCostDay::find_by_statement(sql(
        "WITH costs AS (
            SELECT client_id, (hour AT TIME ZONE 'UTC')::date AS day,
                   sum(replica_hours) AS replica_hours, sum(cost) AS replica_cost
              FROM pricing.replica_cost_log
             WHERE ($1::uuid IS NULL OR client_id = $1)
               AND ($2::date IS NULL OR hour >= $2::date::timestamp AT TIME ZONE 'UTC')
               AND ($3::date IS NULL OR hour < $3::date::timestamp AT TIME ZONE 'UTC')
             GROUP BY 1, 2),
         snapshots AS (
            SELECT client_id, day, savings, on_demand_equivalent_cost FROM pricing.savings_snapshots
             WHERE ($1::uuid IS NULL OR client_id = $1) AND ($2::date IS NULL OR day >= $2)
               AND ($3::date IS NULL OR day < $3)),
         days AS (
            SELECT COALESCE(c.client_id, s.client_id) AS client_id, COALESCE(c.day, s.day) AS day,
                   COALESCE(c.replica_hours, 0) AS replica_hours, COALESCE(c.replica_cost, 0) AS replica_cost,
                   s.savings, s.on_demand_equivalent_cost
              FROM costs c FULL JOIN snapshots s ON s.client_id = c.client_id AND s.day = c.day)
         SELECT client_id, day, day::timestamp AT TIME ZONE 'UTC' AS day_start, replica_hours, replica_cost,
                savings, on_demand_equivalent_cost
           FROM days
          WHERE ($4::timestamptz IS NULL OR (day::timestamp AT TIME ZONE 'UTC', client_id) < ($4, $5::uuid))
          ORDER BY day DESC, client_id DESC LIMIT $6",
        [q.client.into(), q.from.into(), q.to.into(), at.into(), id.into(), (limit.fetch() as i64).into()],
    ))
    .all(conn)
    .await?;
    Ok(limit.page(rows, |r| Cursor { at: r.day_start, id: r.client_id }))
}
