//! gRPC handler of `OperatorReport` (docs/OPERATORS_API.md): parses the
//! filters, runs the report in `store::operator_reports`, rows as JSON.

use crate::error::{LifecycleError, Result};
use crate::store::operator_reports::{self as reports, ReportQuery};
use sea_orm::DatabaseConnection;
use spot_contracts::v1;
use spot_domain::ops::paging::parse_request;
use spot_domain::ops::{Cursor, PageLimit};
use spot_platform::time::from_wire_opt;
use uuid::Uuid;

pub(super) fn uuid(raw: Option<&str>, field: &str) -> Result<Option<Uuid>> {
    LifecycleError::optional_id(raw, field)
}

/// The page size (0: the default) and cursor of a paged request.
pub(super) fn paging(limit: i32, after: Option<&str>) -> Result<(PageLimit, Option<Cursor>)> {
    parse_request(limit, after).map_err(|e| LifecycleError::invalid(e.to_string()))
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
        from: from_wire_opt(&r.from),
        to: from_wire_opt(&r.to),
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
