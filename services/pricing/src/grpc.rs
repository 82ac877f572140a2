//! gRPC API of the pricing service: pool risk (read by emergency and
//! decisions), price history with provenance, savings, consolidation jobs.

use crate::consolidation::Consolidator;
use crate::error::PricingError;
use crate::store::{jobs, risk, savings};
use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use spot_contracts::v1;
use spot_contracts::v1::pricing_service_server::PricingService;
use spot_domain::pricing::PoolId;
use spot_platform::time::{from_wire_opt as from_ts, to_wire as ts};
use tonic::{Request, Response, Status};

mod replica_costs;

#[derive(Debug, Clone)]
pub struct PricingGrpc {
    pub db: DatabaseConnection,
    pub consolidator: Consolidator,
    pub window: std::time::Duration,
}

pub fn job(j: &jobs::JobRow) -> v1::JobRecord {
    v1::JobRecord {
        id: j.id.to_string(),
        status: j.status.clone(),
        trigger: j.trigger.clone(),
        window_start: Some(ts(j.window_start)),
        window_end: Some(ts(j.window_end)),
        records_processed: j.records_processed,
        duplicates_removed: j.duplicates_removed,
        gaps_interpolated: j.gaps_interpolated,
        backfills_added: j.backfills_added,
        pools: j.pools,
        backfill: j.backfill.clone(),
        duration_ms: j.duration_ms,
        error: j.error.clone().unwrap_or_default(),
        started_at: Some(ts(j.started_at)),
    }
}

fn risk_record(r: &risk::RiskRow) -> v1::PoolRisk {
    v1::PoolRisk {
        pool_id: r.pool_id.clone(),
        volatility: r.volatility,
        min_price: r.min_price,
        avg_price: r.avg_price,
        max_price: r.max_price,
        interruptions_30d: r.interruptions_30d,
        score: r.score,
        recommendation: r.recommendation.clone(),
        analyzed_at: Some(ts(r.analyzed_at)),
    }
}

#[tonic::async_trait]
impl PricingService for PricingGrpc {
    async fn get_pool_risk(
        &self,
        request: Request<v1::GetPoolRiskRequest>,
    ) -> Result<Response<v1::PoolRiskList>, Status> {
        let pools = request.into_inner().pool_ids;
        let rows = risk::current(&self.db, &pools).await.map_err(PricingError::from)?;
        Ok(Response::new(v1::PoolRiskList { risks: rows.iter().map(risk_record).collect() }))
    }

    async fn get_price_history(
        &self,
        request: Request<v1::PriceHistoryRequest>,
    ) -> Result<Response<v1::PriceHistory>, Status> {
        let r = request.into_inner();
        let pool = PoolId::parse(&r.pool_id).map_err(|e| PricingError::invalid(e.to_string()))?;
        let to = from_ts(&r.to).unwrap_or_else(Utc::now);
        let from = from_ts(&r.from).unwrap_or(to - Duration::days(1));
        if from >= to || to - from > Duration::days(93) {
            return Err(PricingError::invalid("from must be before to, at most 93 days apart").into());
        }
        let limit = i64::from(if r.limit <= 0 { 5000 } else { r.limit.min(50_000) });
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT bucket_start, price, source, samples FROM pricing.pricing_consolidated
                 WHERE pool_id = $1 AND bucket_start >= $2 AND bucket_start < $3 ORDER BY bucket_start LIMIT $4",
                [pool.as_str().into(), from.into(), to.into(), limit.into()],
            ))
            .await
            .map_err(PricingError::from)?;
        let points = rows
            .iter()
            .map(|row| {
                Ok(v1::PricePoint {
                    bucket_start: Some(ts(row.try_get("", "bucket_start")?)),
                    price: row.try_get("", "price")?,
                    source: row.try_get("", "source")?,
                    samples: row.try_get("", "samples")?,
                })
            })
            .collect::<Result<Vec<_>, sea_orm::DbErr>>()
            .map_err(PricingError::from)?;
        Ok(Response::new(v1::PriceHistory { pool_id: pool.as_str().to_owned(), points }))
    }

    async fn get_savings(
        &self,
        request: Request<v1::SavingsRequest>,
    ) -> Result<Response<v1::SavingsReport>, Status> {
        let r = request.into_inner();
        let client = uuid::Uuid::parse_str(&r.client_id).map_err(|_| PricingError::invalid("client_id"))?;
        let to = from_ts(&r.to).unwrap_or_else(Utc::now).date_naive();
        let from = from_ts(&r.from).map(|t| t.date_naive()).unwrap_or(to - chrono::Days::new(30));
        let monthly = match r.granularity.as_str() {
            "" | "day" => false,
            "month" => true,
            other => {
                return Err(PricingError::invalid(format!(
                    "granularity must be day or month, got {other:?}"
                ))
                .into());
            }
        };
        let rows = savings::report(&self.db, client, from, to, monthly).await.map_err(PricingError::from)?;
        Ok(Response::new(v1::SavingsReport {
            rows: rows
                .into_iter()
                .map(|(period, s)| v1::SavingsRow {
                    period,
                    spot_hours: s.spot_hours,
                    on_demand_hours: s.on_demand_hours,
                    actual_cost: s.actual_cost,
                    on_demand_equivalent_cost: s.on_demand_equivalent_cost,
                    savings: s.savings,
                    savings_percent: s.savings_percent,
                    switch_count: s.switch_count as i32,
                })
                .collect(),
        }))
    }

    async fn list_consolidation_jobs(
        &self,
        request: Request<v1::ListJobsRequest>,
    ) -> Result<Response<v1::JobList>, Status> {
        let limit = i64::from(request.into_inner().limit.max(1));
        let rows = jobs::list(&self.db, limit).await.map_err(PricingError::from)?;
        Ok(Response::new(v1::JobList { jobs: rows.iter().map(job).collect() }))
    }

    async fn run_consolidation(
        &self,
        request: Request<v1::RunConsolidationRequest>,
    ) -> Result<Response<v1::JobRecord>, Status> {
        let r = request.into_inner();
        let end = from_ts(&r.window_end).unwrap_or_else(Utc::now);
        let start = from_ts(&r.window_start)
            .unwrap_or(end - Duration::from_std(self.window).unwrap_or(Duration::hours(12)));
        if start >= end || end - start > Duration::days(7) {
            return Err(PricingError::invalid("window must be non-empty and at most 7 days").into());
        }
        let row = self.consolidator.run("manual", start, end).await.map_err(PricingError::internal)?;
        Ok(Response::new(job(&row)))
    }

    async fn get_current_prices(
        &self,
        request: Request<v1::CurrentPricesRequest>,
    ) -> Result<Response<v1::CurrentPrices>, Status> {
        Ok(Response::new(current_prices(&self.db, request.get_ref()).await?))
    }

    async fn list_replica_costs(
        &self,
        request: Request<v1::ReplicaCostsRequest>,
    ) -> Result<Response<v1::ReplicaCostList>, Status> {
        Ok(Response::new(replica_costs::list(&self.db, request.get_ref()).await?))
    }
}

/// At most this many (type, region) pairs per call (a tenant's distinct types).
const MAX_TYPES: usize = 200;

async fn current_prices(
    db: &DatabaseConnection,
    r: &v1::CurrentPricesRequest,
) -> Result<v1::CurrentPrices, PricingError> {
    use crate::store::current;
    if r.types.len() > MAX_TYPES {
        return Err(PricingError::invalid(format!("at most {MAX_TYPES} instance types per call")));
    }
    let types: Vec<(String, String)> =
        r.types.iter().map(|t| (t.instance_type.trim().to_owned(), t.region.trim().to_owned())).collect();
    let pools = current::pools(db, &types).await?;
    let on_demand = current::on_demand(db, &types).await?;
    Ok(v1::CurrentPrices {
        pools: pools
            .into_iter()
            .map(|p| v1::CurrentPoolPrice {
                pool_id: p.pool_id,
                instance_type: p.instance_type,
                region: p.region,
                az: p.az,
                price: p.price,
                captured_at: Some(ts(p.captured_at)),
            })
            .collect(),
        on_demand: on_demand
            .into_iter()
            .map(|o| v1::OnDemandPrice { instance_type: o.instance_type, region: o.region, price: o.price })
            .collect(),
    })
}
