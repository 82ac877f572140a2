//! Decisions API (docs/DECISIONS.md): the decision log per group, the per
//! model/arm summary and rejected model outputs for a tenant (or, with the
//! admin token, any tenant), and the model registry (admin token): list,
//! register (JSON for built-in and external models, the raw file for
//! ONNX), activate with an A/B share, deactivate, delete. Refusals keep the
//! decisions service's stable codes (`not_onnx`, `onnx_shape`,
//! `duplicate_version`, `two_models_active`, ...).

use super::audit::ReportPage;
use crate::error::ApiError;
use crate::http::{Admin, ApiErrors, ClientScope, Reply};
use crate::state::AppState;
use crate::wire::parse_json;
use actix_web::{HttpResponse, web};
use serde_json::Value;
use spot_contracts::v1;

fn rows(r: v1::JsonRows) -> ReportPage {
    ReportPage::of(&r.items_json, r.next_cursor)
}

fn row(r: v1::JsonRow) -> Value {
    serde_json::from_str(&r.item_json).unwrap_or(Value::Null)
}

/// Query of the decision listings.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DecisionParams {
    pub group_id: Option<String>,
    pub limit: Option<i32>,
    pub after: Option<String>,
    /// admin token only
    pub client_id: Option<String>,
}

fn list_request(client_id: String, p: DecisionParams) -> v1::ListDecisionsRequest {
    v1::ListDecisionsRequest {
        client_id,
        group_id: p.group_id.unwrap_or_default(),
        limit: p.limit.unwrap_or(50),
        after: p.after,
    }
}

/// `GET /api/decisions?group_id=&limit=&after=`: decisions, newest first.
#[utoipa::path(get, path = "/api/decisions", tag = "decisions", summary = "Decision log (per group with group_id)",
    params(DecisionParams),
    responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn list(
    state: web::Data<AppState>,
    ClientScope(client): ClientScope,
    q: web::Query<DecisionParams>,
) -> Reply<ReportPage> {
    let r = state.decisions.list_decisions(list_request(client.to_string(), q.into_inner())).await?;
    Ok(web::Json(rows(r)))
}

/// `GET /api/decisions/summary`: per model, version and arm.
#[utoipa::path(get, path = "/api/decisions/summary", tag = "decisions", summary = "Per model/arm: decisions, executed, realised savings, interruptions after switch",
    params(("client_id" = Option<String>, Query, description = "admin token only")),
    responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn summary(state: web::Data<AppState>, ClientScope(client): ClientScope) -> Reply<ReportPage> {
    let r = state.decisions.summary(v1::SummaryRequest { client_id: client.to_string() }).await?;
    Ok(web::Json(rows(r)))
}

/// `GET /api/decisions/rejected`: model outputs that failed validation (or never came).
#[utoipa::path(get, path = "/api/decisions/rejected", tag = "decisions", summary = "Rejected model outputs",
    params(DecisionParams),
    responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn rejected(
    state: web::Data<AppState>,
    ClientScope(client): ClientScope,
    q: web::Query<DecisionParams>,
) -> Reply<ReportPage> {
    let r = state.decisions.list_rejected(list_request(client.to_string(), q.into_inner())).await?;
    Ok(web::Json(rows(r)))
}

/// `GET /api/admin/models`.
#[utoipa::path(get, path = "/api/admin/models", tag = "decisions", summary = "Model registry",
    responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn models(state: web::Data<AppState>, _: Admin) -> Reply<ReportPage> {
    Ok(web::Json(rows(state.decisions.list_models(v1::ListModelsRequest {}).await?)))
}

/// Registration of a built-in or external model.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ModelBody {
    pub name: String,
    pub version: String,
    /// builtin | external (ONNX files go to /api/admin/models/onnx).
    pub kind: String,
    #[serde(default)]
    pub description: String,
    pub confidence_threshold: Option<f64>,
    pub policy: Option<String>,
    pub endpoint: Option<String>,
    pub deadline_ms: Option<i32>,
}

/// `POST /api/admin/models`.
#[utoipa::path(post, path = "/api/admin/models", tag = "decisions", summary = "Register a built-in or external model version", request_body = ModelBody,
    responses((status = 201, body = serde_json::Value), ApiErrors))]
pub async fn register(
    state: web::Data<AppState>,
    _: Admin,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let b = parse_json::<ModelBody>(&body)?;
    if b.kind == "onnx" {
        return Err(ApiError::BadRequest {
            code: "not_onnx".into(),
            message: "upload ONNX files to /api/admin/models/onnx".into(),
        });
    }
    let r = v1::RegisterModelRequest {
        name: b.name,
        version: b.version,
        kind: b.kind,
        description: b.description,
        confidence_threshold: b.confidence_threshold.unwrap_or(0.5),
        onnx: Vec::new(),
        endpoint: b.endpoint.unwrap_or_default(),
        deadline_ms: b.deadline_ms.unwrap_or(0),
        policy: b.policy.unwrap_or_default(),
        actor: "admin".into(),
    };
    let v = state.decisions.register_model(r).await?;
    Ok(HttpResponse::Created().json(row(v)))
}

/// Query of an ONNX upload.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct OnnxParams {
    pub name: String,
    pub version: String,
    pub confidence_threshold: Option<f64>,
    pub description: Option<String>,
}

/// `POST /api/admin/models/onnx?name=&version=`: the body is the ONNX file.
#[utoipa::path(post, path = "/api/admin/models/onnx", tag = "decisions", summary = "Upload an ONNX model version (body: the file)",
    params(("name" = String, Query), ("version" = String, Query), ("confidence_threshold" = Option<f64>, Query), ("description" = Option<String>, Query)),
    responses((status = 201, body = serde_json::Value), ApiErrors))]
pub async fn upload_onnx(
    state: web::Data<AppState>,
    _: Admin,
    q: web::Query<OnnxParams>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let r = v1::RegisterModelRequest {
        name: q.name,
        version: q.version,
        kind: "onnx".into(),
        description: q.description.unwrap_or_default(),
        confidence_threshold: q.confidence_threshold.unwrap_or(0.5),
        onnx: body.to_vec(),
        actor: "admin".into(),
        ..Default::default()
    };
    let v = state.decisions.register_model(r).await?;
    Ok(HttpResponse::Created().json(row(v)))
}

/// Body of an activation.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct ActivateBody {
    /// Share of groups (basis points) for this version when it becomes arm B.
    pub ab_share_bp: Option<i32>,
}

/// `POST /api/admin/models/{id}/activate` and `/deactivate`.
#[utoipa::path(post, path = "/api/admin/models/{model_id}/{change}", tag = "decisions", summary = "Activate (optionally with an A/B share) or deactivate a model version",
    params(("model_id" = String, Path), ("change" = String, Path, description = "activate | deactivate")), request_body = ActivateBody,
    responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn activate(
    state: web::Data<AppState>,
    _: Admin,
    path: web::Path<(String, String)>,
    body: web::Bytes,
) -> Reply<Value> {
    let (model_id, change) = path.into_inner();
    let b = if body.is_empty() { ActivateBody::default() } else { parse_json::<ActivateBody>(&body)? };
    let r = v1::SetModelActiveRequest {
        model_id,
        active: change == "activate",
        ab_share_bp: b.ab_share_bp,
        actor: "admin".into(),
    };
    Ok(web::Json(row(state.decisions.set_model_active(r).await?)))
}

/// `DELETE /api/admin/models/{id}` (inactive versions only).
#[utoipa::path(delete, path = "/api/admin/models/{model_id}", tag = "decisions", summary = "Delete an inactive model version",
    params(("model_id" = String, Path)),
    responses((status = 200, body = serde_json::Value), ApiErrors))]
pub async fn delete(state: web::Data<AppState>, _: Admin, path: web::Path<String>) -> Reply<Value> {
    let v = state.decisions.delete_model(v1::ModelRef { model_id: path.into_inner() }).await?;
    Ok(web::Json(row(v)))
}
