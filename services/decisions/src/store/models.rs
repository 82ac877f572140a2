//! The model registry. A (name, version) is unique; at most two versions
//! are active (slots 1 and 2, a partial unique index), and activation
//! changes are serialised by a transaction-scoped advisory lock.

use super::stmt;
use crate::error::{DecisionsError, Result};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult, QueryResult, TransactionTrait};
use serde_json::{Value, json};
use uuid::Uuid;

/// Lock key of registry activation changes ("decisions.models").
const ACTIVATION_LOCK: i64 = 0x0064_6563_696d_6f64;

/// A registered model as the engine loads it.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ModelRow {
    pub id: Uuid,
    pub name: String,
    pub version: String,
    pub kind: String,
    pub policy: Option<String>,
    pub onnx: Option<Vec<u8>>,
    pub endpoint: Option<String>,
    pub deadline_ms: Option<i32>,
    pub confidence_threshold: f64,
    pub active_slot: Option<i16>,
    pub ab_share_bp: i32,
}

/// A registration, validated by the caller.
#[derive(Debug, Clone)]
pub struct NewModel {
    pub name: String,
    pub version: String,
    pub kind: String,
    pub description: String,
    pub policy: Option<String>,
    pub onnx: Option<Vec<u8>>,
    pub onnx_sha256: Option<String>,
    pub endpoint: Option<String>,
    pub deadline_ms: Option<i32>,
    pub confidence_threshold: f64,
    pub actor: String,
}

const COLUMNS: &str = "id, name, version, kind, policy, onnx, endpoint, deadline_ms, confidence_threshold, active_slot, ab_share_bp";

/// Active models, slot 1 (arm A) first.
pub async fn active<C: ConnectionTrait>(conn: &C) -> std::result::Result<Vec<ModelRow>, DbErr> {
    ModelRow::find_by_statement(stmt(
        format!("SELECT {COLUMNS} FROM decisions.models WHERE active_slot IS NOT NULL ORDER BY active_slot"),
        vec![],
    ))
    .all(conn)
    .await
}

pub async fn get<C: ConnectionTrait>(conn: &C, id: Uuid) -> Result<ModelRow> {
    ModelRow::find_by_statement(stmt(
        format!("SELECT {COLUMNS} FROM decisions.models WHERE id = $1"),
        vec![id.into()],
    ))
    .one(conn)
    .await?
    .ok_or(DecisionsError::NotFound("model"))
}

/// Registry rows for the API (no model bytes).
pub async fn list<C: ConnectionTrait>(conn: &C) -> std::result::Result<Vec<Value>, DbErr> {
    let rows = conn
        .query_all_raw(stmt(
            "SELECT id, name, version, kind, description, policy, onnx_sha256, endpoint, deadline_ms,
                    confidence_threshold, active_slot, ab_share_bp, activated_at, created_by, created_at
             FROM decisions.models ORDER BY name, created_at",
            vec![],
        ))
        .await?;
    rows.iter().map(view).collect()
}

fn view(r: &QueryResult) -> std::result::Result<Value, DbErr> {
    let slot: Option<i16> = r.try_get("", "active_slot")?;
    Ok(json!({
        "id": r.try_get::<Uuid>("", "id")?,
        "name": r.try_get::<String>("", "name")?,
        "version": r.try_get::<String>("", "version")?,
        "kind": r.try_get::<String>("", "kind")?,
        "description": r.try_get::<String>("", "description")?,
        "policy": r.try_get::<Option<String>>("", "policy")?,
        "onnx_sha256": r.try_get::<Option<String>>("", "onnx_sha256")?,
        "endpoint": r.try_get::<Option<String>>("", "endpoint")?,
        "deadline_ms": r.try_get::<Option<i32>>("", "deadline_ms")?,
        "confidence_threshold": r.try_get::<f64>("", "confidence_threshold")?,
        "active": slot.is_some(),
        "arm": slot.map(|s| if s == 1 { "a" } else { "b" }),
        "ab_share_bp": r.try_get::<i32>("", "ab_share_bp")?,
        "activated_at": r.try_get::<Option<chrono::DateTime<chrono::Utc>>>("", "activated_at")?,
        "created_by": r.try_get::<String>("", "created_by")?,
        "created_at": r.try_get::<chrono::DateTime<chrono::Utc>>("", "created_at")?,
    }))
}

/// Registers a version; 409 `duplicate_version` when (name, version) exists.
pub async fn insert(db: &DatabaseConnection, m: &NewModel) -> Result<Value> {
    let r = db
        .query_one_raw(stmt(
            "INSERT INTO decisions.models (id, name, version, kind, description, policy, onnx, onnx_sha256, endpoint,
                    deadline_ms, confidence_threshold, created_by)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (name, version) DO NOTHING
             RETURNING id, name, version, kind, description, policy, onnx_sha256, endpoint, deadline_ms,
                    confidence_threshold, active_slot, ab_share_bp, activated_at, created_by, created_at",
            vec![
                Uuid::now_v7().into(),
                m.name.as_str().into(),
                m.version.as_str().into(),
                m.kind.as_str().into(),
                m.description.as_str().into(),
                m.policy.clone().into(),
                m.onnx.clone().into(),
                m.onnx_sha256.clone().into(),
                m.endpoint.clone().into(),
                m.deadline_ms.into(),
                m.confidence_threshold.into(),
                m.actor.as_str().into(),
            ],
        ))
        .await?
        .ok_or_else(|| {
            DecisionsError::conflict(
                "duplicate_version",
                format!("model {} version {} is already registered", m.name, m.version),
            )
        })?;
    Ok(view(&r)?)
}

/// Activates (slot 1 when free, else slot 2 with `share_bp`) or deactivates
/// a version. Deactivating arm A while B is active makes B the new A.
pub async fn set_active(
    db: &DatabaseConnection,
    id: Uuid,
    active: bool,
    share_bp: Option<i32>,
) -> Result<Value> {
    let txn = db.begin().await?;
    txn.execute_raw(stmt("SELECT pg_advisory_xact_lock($1)", vec![ACTIVATION_LOCK.into()])).await?;
    let model = get(&txn, id).await?;
    let current = active_slots(&txn).await?;
    if active {
        if model.active_slot.is_none() {
            let slot: i16 = match (current.contains(&1), current.contains(&2)) {
                (false, _) => 1,
                (true, false) => 2,
                (true, true) => {
                    return Err(DecisionsError::conflict(
                        "two_models_active",
                        "two versions are already active (A/B); deactivate one first",
                    ));
                }
            };
            txn.execute_raw(stmt(
                "UPDATE decisions.models SET active_slot = $2, activated_at = now(), row_version = row_version + 1
                 WHERE id = $1",
                vec![id.into(), slot.into()],
            ))
            .await?;
        }
        if let Some(share) = share_bp {
            txn.execute_raw(stmt(
                "UPDATE decisions.models SET ab_share_bp = $2, row_version = row_version + 1 WHERE id = $1",
                vec![id.into(), share.into()],
            ))
            .await?;
        }
    } else if let Some(slot) = model.active_slot {
        txn.execute_raw(stmt(
            "UPDATE decisions.models SET active_slot = NULL, row_version = row_version + 1 WHERE id = $1",
            vec![id.into()],
        ))
        .await?;
        if slot == 1 {
            txn.execute_raw(stmt(
                "UPDATE decisions.models SET active_slot = 1 WHERE active_slot = 2",
                vec![],
            ))
            .await?;
        }
    }
    let r = txn
        .query_one_raw(stmt(
            "SELECT id, name, version, kind, description, policy, onnx_sha256, endpoint, deadline_ms,
                    confidence_threshold, active_slot, ab_share_bp, activated_at, created_by, created_at
             FROM decisions.models WHERE id = $1",
            vec![id.into()],
        ))
        .await?
        .ok_or(DecisionsError::NotFound("model"))?;
    let v = view(&r)?;
    txn.commit().await?;
    Ok(v)
}

async fn active_slots<C: ConnectionTrait>(conn: &C) -> std::result::Result<Vec<i16>, DbErr> {
    let rows = conn
        .query_all_raw(stmt("SELECT active_slot FROM decisions.models WHERE active_slot IS NOT NULL", vec![]))
        .await?;
    rows.iter().map(|r| r.try_get("", "active_slot")).collect()
}

/// Deletes an inactive version; 409 `model_active` otherwise.
pub async fn delete(db: &DatabaseConnection, id: Uuid) -> Result<Value> {
    let model = get(db, id).await?;
    if model.active_slot.is_some() {
        return Err(DecisionsError::conflict("model_active", "deactivate the model before deleting it"));
    }
    db.execute_raw(stmt(
        "DELETE FROM decisions.models WHERE id = $1 AND active_slot IS NULL",
        vec![id.into()],
    ))
    .await?;
    Ok(json!({"id": id, "deleted": true}))
}
