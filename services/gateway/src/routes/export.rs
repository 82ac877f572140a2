//! `GET /api/admin/export/training`: the training export streamed as a
//! Parquet file. The export is `crates/training`, the very code
//! `spotctl export training` runs; this handler only checks the query,
//! starts the export and hands the body out row group by row group, so the
//! gateway holds one page of rows and its encoded bytes at a time
//! (`page_rows`, default 50,000), whatever the range. The next page is read
//! only when the client has taken the previous one.
//!
//! The export reads pricing's canonical layer and lifecycle's and
//! emergency's tables directly (the one gateway route that does): with one
//! database role per service, the gateway's role needs `SELECT` on them
//! (docs/DECISIONS.md, "Training export"); without it the route answers 503.

use crate::error::ApiError;
use crate::http::{Admin, ApiErrors};
use crate::state::AppState;
use actix_web::{HttpResponse, web};
use bytes::Bytes;
use sea_orm::DatabaseConnection;
use spot_training::{Export, ExportError, Options, Range};

/// The query of the export.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct TrainingParams {
    /// Range start, inclusive: RFC 3339, or `YYYY-MM-DD` (midnight UTC). Required.
    pub from: Option<String>,
    /// Range end, exclusive, after `from`: RFC 3339, or `YYYY-MM-DD`. Required.
    pub to: Option<String>,
    /// Pricing's bucket width in seconds (`SPOT_PRICE_BUCKET_SECONDS`), 1-86400, default 300.
    pub bucket_seconds: Option<u32>,
    /// Rows per row group, the memory bound of the stream, default 50000.
    pub page_rows: Option<u32>,
}

fn refused(e: ExportError) -> ApiError {
    match e {
        ExportError::Range(r) => match r.code() {
            "invalid_field" => ApiError::Field { field: r.field(), message: r.to_string() },
            code => ApiError::BadRequest { code: code.to_owned(), message: r.to_string() },
        },
        ExportError::NothingToExport { .. } => {
            ApiError::Unprocessable { code: "nothing_to_export", message: e.to_string() }
        }
        // 42501: the role may not read the tables; 42P01: they do not exist
        // in this database. Either way the deployment lacks the export.
        ExportError::Db(db)
            if matches!(spot_platform::store::sqlstate(&db).as_deref(), Some("42501" | "42P01")) =>
        {
            tracing::warn!(error = %db, "training export cannot read its tables");
            ApiError::DependencyUnavailable("the training export's tables")
        }
        ExportError::Db(db) => ApiError::from(db),
        other => ApiError::internal(other),
    }
}

fn required<'a>(raw: &'a Option<String>, field: &'static str) -> Result<&'a str, ApiError> {
    raw.as_deref().ok_or(ApiError::Field { field, message: "required".into() })
}

/// Where the stream is.
enum Step {
    Pages(Box<Export<Vec<u8>>>),
    Done,
}

/// The next chunk of the file: the row group of the next page, then the
/// footer. An error after the first byte can only cut the stream short
/// (the file then has no footer and no reader accepts it); it is logged.
async fn next_chunk(db: DatabaseConnection, step: Step) -> Option<(Result<Bytes, std::io::Error>, Step)> {
    let Step::Pages(mut export) = step else { return None };
    let chunk = match export.next_page(&db).await {
        Ok(true) => export.take_bytes().map(|b| (Bytes::from(b), Step::Pages(export))),
        Ok(false) => export.finish().map(|(tail, _)| (Bytes::from(tail), Step::Done)),
        Err(e) => Err(e),
    };
    match chunk {
        Ok((bytes, next)) => Some((Ok(bytes), next)),
        Err(e) => {
            tracing::error!(error = %e, "training export stream cut short");
            Some((Err(std::io::Error::other("training export failed")), Step::Done))
        }
    }
}

#[utoipa::path(get, path = "/api/admin/export/training", tag = "decisions",
    summary = "Training data as Parquet: consolidated prices per pool and bucket joined with notices, switches, replicas and PRIMARY counts (admin token)",
    params(TrainingParams),
    responses(ApiErrors,
        (status = 200, description = "a Parquet file, streamed one row group per page (columns in docs/DECISIONS.md)",
            content_type = "application/vnd.apache.parquet", body = Vec<u8>),
        (status = 400, description = "from or to missing or unreadable, bucket_seconds or page_rows out of range (invalid_field, with the field); to before from (inverted_range); from equal to to (empty_range)",
            body = crate::error::ApiErrorBody),
        (status = 422, description = "no consolidated price in the range (nothing_to_export)", body = crate::error::ApiErrorBody),
        (status = 500, description = "unexpected failure before the first byte (internal_error)", body = crate::error::ApiErrorBody)))]
pub async fn training(
    state: web::Data<AppState>,
    params: web::Query<TrainingParams>,
    _: Admin,
) -> Result<HttpResponse, ApiError> {
    let range = Range::parse(required(&params.from, "from")?, required(&params.to, "to")?)
        .map_err(|e| refused(e.into()))?;
    let options = Options {
        bucket_seconds: params.bucket_seconds.unwrap_or(300),
        page_rows: params.page_rows.unwrap_or(spot_training::DEFAULT_PAGE_ROWS),
    };
    let db = state.db.clone();
    let export = Export::start(&db, range, options, Vec::new()).await.map_err(refused)?;
    let filename = format!(
        "training-{}-{}.parquet",
        range.from.format("%Y%m%dT%H%M%SZ"),
        range.to.format("%Y%m%dT%H%M%SZ")
    );
    let body =
        futures::stream::unfold(Step::Pages(Box::new(export)), move |step| next_chunk(db.clone(), step));
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.apache.parquet")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{filename}\"")))
        .streaming(body))
}
