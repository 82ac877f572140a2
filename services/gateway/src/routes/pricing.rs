//! Prices, pool risk, savings and consolidation jobs for operators. Every
//! price point says where it came from (agent / interpolated / backfilled),
//! so charts can draw synthesised points differently. `format=csv` exports.

use crate::error::ApiError;
use crate::http::{Admin, ApiErrors, ClientScope, Reader, csv_response};
use crate::state::AppState;
use crate::wire::{parse_optional_json, timestamp};
use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use spot_contracts::v1;

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct RangeParams {
    /// Start (ISO-8601), default 24 h (history) or 30 days (savings) before `to`.
    pub from: Option<String>,
    /// End (ISO-8601), default now.
    pub to: Option<String>,
    /// `day` (default) or `month` (savings only).
    pub granularity: Option<String>,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
    /// Admin token only: whose savings.
    pub client_id: Option<String>,
    /// Comma-separated pool ids (risk only).
    pub pool_id: Option<String>,
    /// Most rows (jobs, history).
    pub limit: Option<i32>,
}

fn ts(raw: &Option<String>, field: &str) -> Result<Option<spot_contracts::Timestamp>, ApiError> {
    timestamp(raw.as_deref(), field)
}

fn iso(t: &Option<spot_contracts::Timestamp>) -> String {
    t.as_ref()
        .and_then(|t| DateTime::<Utc>::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0)))
        .map(|d| d.to_rfc3339())
        .unwrap_or_default()
}

fn wants_csv(p: &RangeParams) -> Result<bool, ApiError> {
    match p.format.as_deref() {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(ApiError::InvalidField(format!("format must be json or csv, got {other:?}"))),
    }
}

#[utoipa::path(get, path = "/api/pricing/pools/{pool_id}/history", tag = "pricing",
    summary = "Consolidated price history of a pool with the source of every point",
    params(("pool_id" = String, Path, description = "<instance type>.<az>"), RangeParams),
    responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn history(
    state: web::Data<AppState>,
    pool: web::Path<String>,
    params: web::Query<RangeParams>,
    _: Reader,
) -> Result<HttpResponse, ApiError> {
    let csv_out = wants_csv(&params)?;
    let answer = state
        .pricing
        .price_history(v1::PriceHistoryRequest {
            pool_id: pool.into_inner(),
            from: ts(&params.from, "from")?,
            to: ts(&params.to, "to")?,
            limit: params.limit.unwrap_or(0),
        })
        .await?;
    if csv_out {
        let lines = answer
            .points
            .iter()
            .map(|p| format!("{},{},{},{}", iso(&p.bucket_start), p.price, p.source, p.samples))
            .collect();
        return Ok(csv_response(
            &format!("{}.csv", answer.pool_id),
            "bucket_start,price,source,samples",
            lines,
        ));
    }
    let points: Vec<serde_json::Value> = answer
        .points
        .iter()
        .map(|p| serde_json::json!({"t": iso(&p.bucket_start), "price": p.price, "source": p.source, "samples": p.samples}))
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({"pool_id": answer.pool_id, "points": points})))
}

#[utoipa::path(get, path = "/api/pricing/risk", tag = "pricing", summary = "Current pool risk (all pools, or pool_id=a,b)",
    params(RangeParams), responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn risk(
    state: web::Data<AppState>,
    params: web::Query<RangeParams>,
    _: Reader,
) -> Result<HttpResponse, ApiError> {
    let pool_ids = params
        .pool_id
        .as_deref()
        .map(|p| p.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let list = state.pricing.pool_risk(v1::GetPoolRiskRequest { pool_ids }).await?;
    let risks: Vec<serde_json::Value> = list
        .risks
        .iter()
        .map(|r| {
            serde_json::json!({"pool_id": r.pool_id, "score": r.score, "recommendation": r.recommendation,
                "volatility": r.volatility, "min_price": r.min_price, "avg_price": r.avg_price, "max_price": r.max_price,
                "interruptions_30d": r.interruptions_30d, "analyzed_at": iso(&r.analyzed_at)})
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({"risks": risks})))
}

#[utoipa::path(get, path = "/api/savings", tag = "pricing", summary = "Savings by day or month (csv with format=csv)",
    params(RangeParams), responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn savings(
    state: web::Data<AppState>,
    params: web::Query<RangeParams>,
    ClientScope(client): ClientScope,
) -> Result<HttpResponse, ApiError> {
    let csv_out = wants_csv(&params)?;
    let (from, to) = (ts(&params.from, "from")?, ts(&params.to, "to")?);
    let granularity = params.granularity.as_deref().unwrap_or_default();
    let rows = super::analytics::savings_rows(&state, client, from, to, granularity).await?;
    if csv_out {
        let lines = rows
            .iter()
            .map(|r| {
                format!(
                    "{},{:.4},{:.4},{:.6},{:.6},{:.6},{:.2},{}",
                    r.period,
                    r.spot_hours,
                    r.on_demand_hours,
                    r.actual_cost,
                    r.on_demand_equivalent_cost,
                    r.savings,
                    r.savings_percent,
                    r.switch_count
                )
            })
            .collect();
        return Ok(csv_response(
            "savings.csv",
            "period,spot_hours,on_demand_hours,actual_cost,on_demand_equivalent_cost,savings,savings_percent,switch_count",
            lines,
        ));
    }
    let rows: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({"period": r.period, "spot_hours": r.spot_hours, "on_demand_hours": r.on_demand_hours,
                "actual_cost": r.actual_cost, "on_demand_equivalent_cost": r.on_demand_equivalent_cost,
                "savings": r.savings, "savings_percent": r.savings_percent, "switch_count": r.switch_count})
        })
        .collect();
    Ok(HttpResponse::Ok().json(serde_json::json!({"client_id": client.to_string(), "rows": rows})))
}

#[utoipa::path(get, path = "/api/pricing/consolidation-jobs", tag = "pricing", summary = "Consolidation runs, newest first",
    params(RangeParams), responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn jobs(
    state: web::Data<AppState>,
    params: web::Query<RangeParams>,
    _: Reader,
) -> Result<HttpResponse, ApiError> {
    let list = state.pricing.jobs(v1::ListJobsRequest { limit: params.limit.unwrap_or(50) }).await?;
    Ok(HttpResponse::Ok()
        .json(serde_json::json!({"jobs": list.jobs.iter().map(job_json).collect::<Vec<_>>()})))
}

/// A job as JSON.
pub fn job_json(j: &v1::JobRecord) -> serde_json::Value {
    serde_json::json!({"id": j.id, "status": j.status, "trigger": j.trigger, "window_start": iso(&j.window_start),
        "window_end": iso(&j.window_end), "pools": j.pools, "records_processed": j.records_processed,
        "duplicates_removed": j.duplicates_removed, "gaps_interpolated": j.gaps_interpolated,
        "backfills_added": j.backfills_added, "backfill": j.backfill, "duration_ms": j.duration_ms,
        "error": j.error, "started_at": iso(&j.started_at)})
}

#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ConsolidateBody {
    pub window_start: Option<String>,
    pub window_end: Option<String>,
}

#[utoipa::path(post, path = "/api/admin/pricing/consolidate", tag = "admin", summary = "Run a consolidation now (one at a time)",
    request_body = ConsolidateBody, responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn consolidate(
    state: web::Data<AppState>,
    body: web::Bytes,
    _: Admin,
) -> Result<HttpResponse, ApiError> {
    let b: ConsolidateBody = parse_optional_json(&body)?;
    let job = state
        .pricing
        .consolidate(v1::RunConsolidationRequest {
            window_start: ts(&b.window_start, "window_start")?,
            window_end: ts(&b.window_end, "window_end")?,
            actor: "admin".into(),
        })
        .await?;
    Ok(HttpResponse::Ok().json(job_json(&job)))
}
