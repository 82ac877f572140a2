//! Reading what lifecycle already writes (docs/OPERATORS_API.md): the audit
//! log, an agent's cleanup logs, health metrics and timeline, and the
//! switch history (JSON pages or a CSV export). Every list is paged.

use crate::error::ApiError;
use crate::http::{AgentPath, ApiErrors, ClientScope, Operator, csv_response};
use crate::state::AppState;
use crate::wire::operator::{ReportParams, uuid_param};
use crate::wire::paging::{PageParams, request_limit};
use crate::wire::timestamp;
use actix_web::{HttpResponse, web};
use spot_contracts::v1;
use spot_domain::ClientId;
use spot_domain::ops::PageLimit;

/// A page of report rows.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReportPage {
    pub items: Vec<serde_json::Value>,
    pub next_cursor: Option<String>,
}

impl ReportPage {
    /// The page of rows a service answers as JSON texts (a row that does
    /// not parse is left out).
    pub fn of(items_json: &[String], next_cursor: Option<String>) -> Self {
        Self { items: items_json.iter().filter_map(|s| serde_json::from_str(s).ok()).collect(), next_cursor }
    }
}

/// Filters of one report call.
#[derive(Debug, Default)]
pub struct Report<'a> {
    pub kind: &'a str,
    pub agent_id: Option<String>,
    pub group_id: Option<String>,
    pub from: Option<spot_contracts::Timestamp>,
    pub to: Option<spot_contracts::Timestamp>,
}

impl<'a> Report<'a> {
    /// The filters of the query string.
    pub fn of(kind: &'a str, p: &ReportParams) -> Result<Self, ApiError> {
        Ok(Self {
            kind,
            agent_id: uuid_param(p.agent_id.as_deref(), "agent_id")?,
            group_id: uuid_param(p.group_id.as_deref(), "group_id")?,
            from: timestamp(p.from.as_deref(), "from")?,
            to: timestamp(p.to.as_deref(), "to")?,
        })
    }

    /// Runs the report for a tenant: one page.
    pub async fn page(
        self,
        state: &AppState,
        client: ClientId,
        page: &PageParams,
    ) -> Result<ReportPage, ApiError> {
        let (limit, cursor) = page.parse()?;
        let answer = self.call(state, client, limit, cursor.map(|c| c.encode())).await?;
        Ok(ReportPage::of(&answer.items_json, answer.next_cursor))
    }

    /// Runs the report with an explicit limit and cursor.
    pub async fn call(
        &self,
        state: &AppState,
        client: ClientId,
        limit: PageLimit,
        after: Option<String>,
    ) -> Result<v1::OperatorReportResponse, ApiError> {
        state
            .lifecycle
            .operator_report(v1::OperatorReportRequest {
                client_id: client.to_string(),
                kind: self.kind.to_owned(),
                agent_id: self.agent_id.clone(),
                group_id: self.group_id.clone(),
                from: self.from,
                to: self.to,
                limit: request_limit(limit),
                after,
            })
            .await
    }
}

/// `GET /api/audit`: the audit log (pre/post state, actor, request id,
/// trace id), newest first.
#[utoipa::path(get, path = "/api/audit", tag = "operator", summary = "Audit log by group, agent and time, newest first",
    params(ReportParams, PageParams), responses((status = 200, body = ReportPage), ApiErrors))]
pub async fn audit(
    state: web::Data<AppState>,
    params: web::Query<ReportParams>,
    page: web::Query<PageParams>,
    ClientScope(client): ClientScope,
) -> Result<web::Json<ReportPage>, ApiError> {
    Ok(web::Json(Report::of("audit", &params)?.page(&state, client, &page).await?))
}

async fn agent_report(
    state: &AppState,
    op: &Operator,
    kind: &str,
    params: &ReportParams,
    page: &PageParams,
) -> Result<web::Json<ReportPage>, ApiError> {
    let mut report = Report::of(kind, params)?;
    report.agent_id = Some(op.agent.to_string());
    report.group_id = None;
    Ok(web::Json(report.page(state, op.client, page).await?))
}

/// Declares the handlers of an agent's reports, one row each: the handler's
/// doc and name, its path, OpenAPI summary and the report kind it pages
/// (through [`agent_report`]).
macro_rules! agent_reports {
    ($($(#[doc = $doc:tt])* $name:ident: $path:tt, $summary:tt, $kind:tt;)*) => {$(
        $(#[doc = $doc])*
        #[utoipa::path(get, path = $path, tag = "operator", summary = $summary,
            params(AgentPath, ReportParams, PageParams), responses((status = 200, body = ReportPage), ApiErrors))]
        pub async fn $name(
            state: web::Data<AppState>,
            params: web::Query<ReportParams>,
            page: web::Query<PageParams>,
            op: Operator,
        ) -> Result<web::Json<ReportPage>, ApiError> {
            agent_report(&state, &op, $kind, &params, &page).await
        }
    )*};
}

agent_reports! {
    /// `GET /api/agents/{agent_id}/cleanup-logs`.
    cleanup_logs: "/api/agents/{agent_id}/cleanup-logs", "Snapshot and AMI cleanup reports of an agent",
        "cleanup_logs";
    /// `GET /api/agents/{agent_id}/health`.
    health: "/api/agents/{agent_id}/health", "Health metrics an agent reported", "agent_health";
    /// `GET /api/agents/{agent_id}/history`: registrations, audited role and
    /// settings changes, and switches of the agent's group in one timeline.
    history: "/api/agents/{agent_id}/history",
        "Timeline of an agent's group: registrations, transitions, switches", "agent_history";
}

/// Most rows one CSV export carries.
pub const CSV_MAX_ROWS: usize = 50_000;

const CSV_COLUMNS: [&str; 14] = [
    "id",
    "created_at",
    "group_id",
    "agent_id",
    "trigger",
    "old_instance_id",
    "new_instance_id",
    "old_pool_id",
    "new_pool_id",
    "old_mode",
    "new_mode",
    "downtime_seconds",
    "total_seconds",
    "actor",
];

/// One CSV field: quoted when it holds a comma, quote or line break, and
/// prefixed with `'` when a spreadsheet would read it as a formula.
pub fn csv_field(v: &serde_json::Value) -> String {
    let raw = match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let raw = if raw.starts_with(['=', '+', '-', '@']) && v.is_string() { format!("'{raw}") } else { raw };
    if raw.contains([',', '"', '\n', '\r']) { format!("\"{}\"", raw.replace('"', "\"\"")) } else { raw }
}

/// `GET /api/analytics/switches`: switch history, paged JSON or (with
/// `format=csv`) every switch of the filters as CSV, newest first.
#[utoipa::path(get, path = "/api/analytics/switches", tag = "analytics", summary = "Switch history, paged, or CSV export (format=csv)",
    params(ReportParams, PageParams), responses((status = 200, body = ReportPage, description = "JSON page, or text/csv"), ApiErrors))]
pub async fn switches(
    state: web::Data<AppState>,
    params: web::Query<ReportParams>,
    page: web::Query<PageParams>,
    ClientScope(client): ClientScope,
) -> Result<HttpResponse, ApiError> {
    let report = Report::of("switches", &params)?;
    match params.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(report.page(&state, client, &page).await?)),
        Some("csv") => {
            let (limit, mut after) = (PageLimit::parse(Some(500))?, None);
            let mut lines = Vec::new();
            loop {
                let answer = report.call(&state, client, limit, after).await?;
                for item in &answer.items_json {
                    let row: serde_json::Value = serde_json::from_str(item).map_err(ApiError::internal)?;
                    let fields: Vec<String> = CSV_COLUMNS.iter().map(|c| csv_field(&row[*c])).collect();
                    lines.push(fields.join(","));
                }
                after = answer.next_cursor;
                if after.is_none() || lines.len() >= CSV_MAX_ROWS {
                    break;
                }
            }
            Ok(csv_response("switches.csv", &CSV_COLUMNS.join(","), lines))
        }
        Some(_) => Err(ApiError::Field { field: "format", message: "must be json or csv".into() }),
    }
}

/// `GET /api/analytics/emergency-events?from=&to=`: Spot interruption
/// notices, newest first, each with its notice -> action latency
/// (`notice_to_action_ms`), replica-ready and promotion times.
#[utoipa::path(get, path = "/api/analytics/emergency-events", tag = "analytics", summary = "Emergency events (notices) with notice -> action latency, paged",
    params(ReportParams, PageParams), responses((status = 200, body = ReportPage), ApiErrors))]
pub async fn emergency_events(
    state: web::Data<AppState>,
    params: web::Query<ReportParams>,
    page: web::Query<PageParams>,
    ClientScope(client): ClientScope,
) -> Result<web::Json<ReportPage>, ApiError> {
    let (limit, after) = page.for_request()?;
    let answer = state
        .emergency
        .notice_events(v1::NoticeEventsRequest {
            client_id: client.to_string(),
            from: timestamp(params.from.as_deref(), "from")?,
            to: timestamp(params.to.as_deref(), "to")?,
            limit,
            after,
        })
        .await?;
    Ok(web::Json(ReportPage::of(&answer.items_json, answer.next_cursor)))
}

/// `GET /api/admin/emergency-events?client_id=`: the original server's path
/// of [`emergency_events`] (admin token).
#[utoipa::path(get, path = "/api/admin/emergency-events", tag = "admin", summary = "A tenant's emergency events (original server's path)",
    params(ReportParams, PageParams), responses((status = 200, body = ReportPage), ApiErrors))]
pub async fn admin_emergency_events(
    state: web::Data<AppState>,
    params: web::Query<ReportParams>,
    page: web::Query<PageParams>,
    _: crate::http::Admin,
    scope: ClientScope,
) -> Result<web::Json<ReportPage>, ApiError> {
    emergency_events(state, params, page, scope).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field(&json!(null)), "");
        assert_eq!(csv_field(&json!(2.5)), "2.5");
        assert_eq!(csv_field(&json!("a,b")), "\"a,b\"");
        assert_eq!(csv_field(&json!("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field(&json!("=cmd()")), "'=cmd()");
        assert_eq!(csv_field(&json!(-1.0)), "-1.0");
    }
}
