//! gRPC API of the decisions service (`spot.v1.DecisionsService`): the
//! gateway's decision, summary and rejected-output listings and the
//! registry calls. Errors carry a stable code in `spot-error-code`.

use crate::engine::Engine;
use crate::error::DecisionsError;
use crate::store::{listing, models};
use spot_contracts::v1;
use spot_contracts::v1::decisions_service_server::{DecisionsService, DecisionsServiceServer};
use tonic::service::Routes;
use tonic::{Request, Response, Status};
use uuid::Uuid;

fn id(raw: &str, what: &'static str) -> Result<Uuid, DecisionsError> {
    Uuid::parse_str(raw.trim())
        .map_err(|_| DecisionsError::invalid("invalid_field", format!("{what} is not a UUID")))
}

fn opt_id(raw: &str, what: &'static str) -> Result<Option<Uuid>, DecisionsError> {
    if raw.trim().is_empty() { Ok(None) } else { id(raw, what).map(Some) }
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
fn page(r: &v1::ListDecisionsRequest) -> Result<listing::Page, DecisionsError> {
    Ok(listing::Page {
        client: opt_id(&r.client_id, "client_id")?,
        group: opt_id(&r.group_id, "group_id")?,
        after: opt_id(r.after.as_deref().unwrap_or_default(), "after")?,
        limit: limit(r.limit),
    })
}

#[tonic::async_trait]
impl DecisionsService for Engine {
    async fn list_decisions(
        &self,
        r: Request<v1::ListDecisionsRequest>,
    ) -> Result<Response<v1::JsonRows>, Status> {
        let on = page(r.get_ref())?;
        let items = listing::decisions(&self.db, &on).await.map_err(DecisionsError::from)?;
        Ok(Response::new(rows(items, on.limit)))
    }

    async fn summary(&self, r: Request<v1::SummaryRequest>) -> Result<Response<v1::JsonRows>, Status> {
        let client = opt_id(&r.get_ref().client_id, "client_id")?;
        let items = listing::summary(&self.db, client).await.map_err(DecisionsError::from)?;
        Ok(Response::new(v1::JsonRows { items_json: items, next_cursor: None }))
    }

    async fn list_rejected(
        &self,
        r: Request<v1::ListDecisionsRequest>,
    ) -> Result<Response<v1::JsonRows>, Status> {
        let on = page(r.get_ref())?;
        let items = listing::rejected(&self.db, &on).await.map_err(DecisionsError::from)?;
        Ok(Response::new(rows(items, on.limit)))
    }

    async fn list_models(
        &self,
        _r: Request<v1::ListModelsRequest>,
    ) -> Result<Response<v1::JsonRows>, Status> {
        let items = models::list(&self.db).await.map_err(DecisionsError::from)?;
        Ok(Response::new(v1::JsonRows {
            items_json: items.iter().map(|v| v.to_string()).collect(),
            next_cursor: None,
        }))
    }

    async fn register_model(
        &self,
        r: Request<v1::RegisterModelRequest>,
    ) -> Result<Response<v1::JsonRow>, Status> {
        // The ONNX probe runs the model: keep it off the async workers.
        let req = r.into_inner();
        let checked = tokio::task::spawn_blocking(move || crate::registry::check(&req))
            .await
            .map_err(|_| DecisionsError::invalid("not_onnx", "the model could not be loaded"))??;
        let v = models::insert(&self.db, &checked).await?;
        Ok(Response::new(v1::JsonRow { item_json: v.to_string() }))
    }

    async fn set_model_active(
        &self,
        r: Request<v1::SetModelActiveRequest>,
    ) -> Result<Response<v1::JsonRow>, Status> {
        let r = r.into_inner();
        let model = id(&r.model_id, "model_id")?;
        if r.ab_share_bp.is_some_and(|s| !(0..=10_000).contains(&s)) {
            return Err(
                DecisionsError::invalid("invalid_field", "ab_share_bp must be between 0 and 10000").into()
            );
        }
        let v = models::set_active(&self.db, model, r.active, r.ab_share_bp).await?;
        Ok(Response::new(v1::JsonRow { item_json: v.to_string() }))
    }

    async fn delete_model(&self, r: Request<v1::ModelRef>) -> Result<Response<v1::JsonRow>, Status> {
        let model = id(&r.get_ref().model_id, "model_id")?;
        let v = models::delete(&self.db, model).await?;
        Ok(Response::new(v1::JsonRow { item_json: v.to_string() }))
    }
}

/// The service's gRPC routes; registrations carry ONNX files, so requests
/// may be as large as the largest model plus its fields.
pub fn routes(api: Engine) -> Routes {
    Routes::new(
        DecisionsServiceServer::new(api).max_decoding_message_size(crate::registry::MAX_ONNX_BYTES + 65_536),
    )
}
