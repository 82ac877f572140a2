//! gRPC API of the decisions service (`spot.v1.DecisionsService`): the
//! gateway's decision, summary and rejected-output listings and the
//! registry calls. Errors carry a stable code in `spot-error-code`.

use crate::engine::Engine;
use crate::error::{DecisionsError, Result};
use crate::store::{listing, models};
use spot_contracts::v1;
use spot_contracts::v1::decisions_service_server::{DecisionsService, DecisionsServiceServer};
use tonic::service::Routes;
use uuid::Uuid;

fn id(raw: &str, what: &'static str) -> Result<Uuid> {
    Uuid::parse_str(raw.trim())
        .map_err(|_| DecisionsError::invalid_rule("invalid_field", format!("{what} is not a UUID")))
}

fn opt_id(raw: &str, what: &'static str) -> Result<Option<Uuid>> {
    DecisionsError::optional_id(Some(raw), what)
}

fn rows(items: Vec<String>, limit: i64) -> v1::JsonRows {
    let next_cursor = if items.len() as i64 >= limit {
        items
            .last()
            .and_then(|j| serde_json::from_str::<serde_json::Value>(j).ok())
            .and_then(|v| v.get("id").and_then(|i| i.as_str()).map(str::to_owned))
    } else {
        None
    };
    v1::JsonRows { items_json: items, next_cursor }
}

fn limit(raw: i32) -> i64 {
    if raw <= 0 { 100 } else { i64::from(raw).min(listing::MAX_LIMIT) }
}

/// The page a listing request asks for.
fn page(r: &v1::ListDecisionsRequest) -> Result<listing::Page> {
    Ok(listing::Page {
        client: opt_id(&r.client_id, "client_id")?,
        group: opt_id(&r.group_id, "group_id")?,
        after: opt_id(r.after.as_deref().unwrap_or_default(), "after")?,
        limit: limit(r.limit),
    })
}

spot_platform::grpc_service! {
    impl DecisionsService for Engine, |api| api;
    list_decisions(v1::ListDecisionsRequest) -> v1::JsonRows = list_decisions;
    summary(v1::SummaryRequest) -> v1::JsonRows = summary;
    list_rejected(v1::ListDecisionsRequest) -> v1::JsonRows = list_rejected;
    list_models(v1::ListModelsRequest) -> v1::JsonRows = list_models;
    register_model(v1::RegisterModelRequest) -> v1::JsonRow = register_model;
    set_model_active(v1::SetModelActiveRequest) -> v1::JsonRow = set_model_active;
    delete_model(v1::ModelRef) -> v1::JsonRow = delete_model;
}

async fn list_decisions(engine: &Engine, r: v1::ListDecisionsRequest) -> Result<v1::JsonRows> {
    let on = page(&r)?;
    Ok(rows(listing::decisions(&engine.db, &on).await?, on.limit))
}

async fn summary(engine: &Engine, r: v1::SummaryRequest) -> Result<v1::JsonRows> {
    let client = opt_id(&r.client_id, "client_id")?;
    Ok(v1::JsonRows { items_json: listing::summary(&engine.db, client).await?, next_cursor: None })
}

async fn list_rejected(engine: &Engine, r: v1::ListDecisionsRequest) -> Result<v1::JsonRows> {
    let on = page(&r)?;
    Ok(rows(listing::rejected(&engine.db, &on).await?, on.limit))
}

async fn list_models(engine: &Engine, _r: v1::ListModelsRequest) -> Result<v1::JsonRows> {
    let items = models::list(&engine.db).await?;
    Ok(v1::JsonRows { items_json: items.iter().map(|v| v.to_string()).collect(), next_cursor: None })
}

/// A registry answer: the model's row as JSON.
fn row(v: &serde_json::Value) -> v1::JsonRow {
    v1::JsonRow { item_json: v.to_string() }
}

async fn register_model(engine: &Engine, req: v1::RegisterModelRequest) -> Result<v1::JsonRow> {
    // The ONNX probe runs the model: keep it off the async workers.
    let checked = tokio::task::spawn_blocking(move || crate::registry::check(&req))
        .await
        .map_err(|_| DecisionsError::invalid_rule("not_onnx", "the model could not be loaded"))??;
    Ok(row(&models::insert(&engine.db, &checked).await?))
}

async fn set_model_active(engine: &Engine, r: v1::SetModelActiveRequest) -> Result<v1::JsonRow> {
    let model = id(&r.model_id, "model_id")?;
    if r.ab_share_bp.is_some_and(|s| !(0..=10_000).contains(&s)) {
        return Err(DecisionsError::invalid_rule("invalid_field", "ab_share_bp must be between 0 and 10000"));
    }
    Ok(row(&models::set_active(&engine.db, model, r.active, r.ab_share_bp).await?))
}

async fn delete_model(engine: &Engine, r: v1::ModelRef) -> Result<v1::JsonRow> {
    let model = id(&r.model_id, "model_id")?;
    Ok(row(&models::delete(&engine.db, model).await?))
}

/// The service's gRPC routes; registrations carry ONNX files, so requests
/// may be as large as the largest model plus its fields.
pub fn routes(api: Engine) -> Routes {
    Routes::new(
        DecisionsServiceServer::new(api).max_decoding_message_size(crate::registry::MAX_ONNX_BYTES + 65_536),
    )
}
