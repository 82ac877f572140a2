//! gRPC handler of `OperatorReport` (docs/OPERATORS_API.md): parses the
//! filters, runs the report in `store::operator_reports`, rows as JSON.

use crate::error::{LifecycleError, Result};
use crate::store::operator_reports::{self as reports, ReportQuery};
use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use spot_contracts::v1;
use spot_domain::ops::{Cursor, PageLimit};
use uuid::Uuid;

pub(super) fn uuid(raw: Option<&str>, field: &str) -> Result<Option<Uuid>> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Uuid::try_parse(s)
            .map(Some)
            .map_err(|_| LifecycleError::invalid(format!("{field} is not a UUID"))),
    }
}

/// The page size (0: the default) and cursor of a paged request.
pub(super) fn paging(limit: i32, after: Option<&str>) -> Result<(PageLimit, Option<Cursor>)> {
    let limit = PageLimit::parse((limit > 0).then_some(i64::from(limit)))
        .map_err(|e| LifecycleError::invalid(e.to_string()))?;
    let after = Cursor::decode_opt(after).map_err(|e| LifecycleError::invalid(e.to_string()))?;
    Ok((limit, after))
}

fn time(t: &Option<spot_contracts::Timestamp>) -> Option<DateTime<Utc>> {
    t.as_ref().and_then(|t| DateTime::<Utc>::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap_or(0)))
}

/// Runs one report.
pub async fn operator_report(
    db: &DatabaseConnection,
    r: v1::OperatorReportRequest,
) -> Result<v1::OperatorReportResponse> {
    let query = ReportQuery {
        client_id: uuid(Some(&r.client_id), "client_id")?,
        agent_id: uuid(r.agent_id.as_deref(), "agent_id")?,
        group_id: uuid(r.group_id.as_deref(), "group_id")?,
        from: time(&r.from),
        to: time(&r.to),
    };
    let json = |items: Vec<serde_json::Value>| items.iter().map(|v| v.to_string()).collect();
    let (items, next_cursor) = match r.kind.as_str() {
        "switch_downtimes" => {
            let samples = reports::downtime_samples(db, &query).await?;
            (samples.iter().map(|s| s.to_string()).collect(), None)
        }
        "switches_per_day" => (json(reports::switches_per_day(db, &query).await?), None),
        "counts" => (json(vec![reports::counts(db, &query).await?]), None),
        kind if reports::is_paged(kind) => {
            let (limit, after) = paging(r.limit, r.after.as_deref())?;
            let (items, next) = reports::page(db, kind, &query, limit, after).await?;
            (json(items), next)
        }
        other => return Err(LifecycleError::invalid(format!("unknown report {other:?}"))),
    };
    Ok(v1::OperatorReportResponse { items_json: items, next_cursor })
}
