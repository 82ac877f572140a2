//! gRPC API of the pricing service: pool risk (read by emergency and
//! decisions), price history with provenance, savings, consolidation jobs.

use crate::consolidation::Consolidator;
use crate::error::PricingError;
use crate::store::{jobs, risk, savings};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseConnection, FromQueryResult};
use spot_contracts::v1;
use spot_contracts::v1::pricing_service_server::PricingService;
use spot_domain::pricing::PoolId;
use spot_platform::store::sql;
use spot_platform::time::{from_wire_opt as from_ts, to_wire as ts};

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

spot_platform::grpc_service! {
    impl PricingService for PricingGrpc, |api| api;
    get_pool_risk(v1::GetPoolRiskRequest) -> v1::PoolRiskList = pool_risk;
    get_price_history(v1::PriceHistoryRequest) -> v1::PriceHistory = price_history;
    get_savings(v1::SavingsRequest) -> v1::SavingsReport = savings_report;
    list_consolidation_jobs(v1::ListJobsRequest) -> v1::JobList = list_jobs;
    run_consolidation(v1::RunConsolidationRequest) -> v1::JobRecord = run_consolidation;
    get_current_prices(v1::CurrentPricesRequest) -> v1::CurrentPrices = current_prices;
    list_replica_costs(v1::ReplicaCostsRequest) -> v1::ReplicaCostList = replica_costs::list;
}

async fn pool_risk(api: &PricingGrpc, r: v1::GetPoolRiskRequest) -> Result<v1::PoolRiskList, PricingError> {
    let rows = risk::current(&api.db, &r.pool_ids).await?;
    Ok(v1::PoolRiskList { risks: rows.iter().map(risk_record).collect() })
}

/// One stored price point of a pool's history.
#[derive(Debug, FromQueryResult)]
struct PointRow {
    bucket_start: DateTime<Utc>,
    price: f64,
    source: String,
    samples: i32,
}

async fn price_history(
    api: &PricingGrpc,
    r: v1::PriceHistoryRequest,
) -> Result<v1::PriceHistory, PricingError> {
    let pool = PoolId::parse(&r.pool_id).map_err(|e| PricingError::invalid(e.to_string()))?;
    let to = from_ts(&r.to).unwrap_or_else(Utc::now);
    let from = from_ts(&r.from).unwrap_or(to - Duration::days(1));
    if from >= to || to - from > Duration::days(93) {
        return Err(PricingError::invalid("from must be before to, at most 93 days apart"));
    }
    let limit = i64::from(if r.limit <= 0 { 5000 } else { r.limit.min(50_000) });
    let rows = PointRow::find_by_statement(sql(
        "SELECT bucket_start, price, source, samples FROM pricing.pricing_consolidated
         WHERE pool_id = $1 AND bucket_start >= $2 AND bucket_start < $3 ORDER BY bucket_start LIMIT $4",
        [pool.as_str().into(), from.into(), to.into(), limit.into()],
    ))
    .all(&api.db)
    .await?;
    let points = rows
        .into_iter()
        .map(|p| v1::PricePoint {
            bucket_start: Some(ts(p.bucket_start)),
            price: p.price,
            source: p.source,
            samples: p.samples,
        })
        .collect();
    Ok(v1::PriceHistory { pool_id: pool.as_str().to_owned(), points })
}

async fn savings_report(api: &PricingGrpc, r: v1::SavingsRequest) -> Result<v1::SavingsReport, PricingError> {
    let client = uuid::Uuid::parse_str(&r.client_id).map_err(|_| PricingError::invalid("client_id"))?;
    let to = from_ts(&r.to).unwrap_or_else(Utc::now).date_naive();
    let from = from_ts(&r.from).map(|t| t.date_naive()).unwrap_or(to - chrono::Days::new(30));
    let monthly = match r.granularity.as_str() {
        "" | "day" => false,
        "month" => true,
        other => {
            return Err(PricingError::invalid(format!("granularity must be day or month, got {other:?}")));
        }
    };
    let rows = savings::report(&api.db, client, from, to, monthly).await?;
    Ok(v1::SavingsReport {
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
    })
}

async fn list_jobs(api: &PricingGrpc, r: v1::ListJobsRequest) -> Result<v1::JobList, PricingError> {
    let rows = jobs::list(&api.db, i64::from(r.limit.max(1))).await?;
    Ok(v1::JobList { jobs: rows.iter().map(job).collect() })
}

async fn run_consolidation(
    api: &PricingGrpc,
    r: v1::RunConsolidationRequest,
) -> Result<v1::JobRecord, PricingError> {
    let end = from_ts(&r.window_end).unwrap_or_else(Utc::now);
    let start = from_ts(&r.window_start)
        .unwrap_or(end - Duration::from_std(api.window).unwrap_or(Duration::hours(12)));
    if start >= end || end - start > Duration::days(7) {
        return Err(PricingError::invalid("window must be non-empty and at most 7 days"));
    }
    let row = api.consolidator.run("manual", start, end).await.map_err(PricingError::internal)?;
    Ok(job(&row))
}

/// At most this many (type, region) pairs per call (a tenant's distinct types).
const MAX_TYPES: usize = 200;

async fn current_prices(
    api: &PricingGrpc,
    r: v1::CurrentPricesRequest,
) -> Result<v1::CurrentPrices, PricingError> {
    let db = &api.db;
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
