//! Instances page and an instance's pricing (`currentMode`, pools, savings %).

use super::{
    ClientIdPath, DashError, DashErrors, DashResult, OwnClient, instance_overviews, is_active,
    on_demand_price, pool_price, prices,
};
use crate::state::AppState;
use crate::wire::dashboard::savings_percent;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use spot_contracts::v1;

/// One row of the Instances page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DashInstance {
    pub id: String,
    pub instance_type: String,
    pub region: String,
    pub az: String,
    pub current_mode: String,
    /// Newest spot price of its pool; 0 on on-demand or when unknown.
    pub spot_price: f64,
    /// On-demand price of its type; 0 when unknown.
    pub ondemand_price: f64,
    /// PRIMARY or REPLICA (serving or standing by).
    pub is_active: bool,
    /// Extra: role in its group.
    pub role: String,
    /// Extra: its group's logical agent id.
    pub logical_agent_id: String,
}

/// `{instances: [...]}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InstancesEnvelope {
    pub instances: Vec<DashInstance>,
}

fn pool_of(i: &v1::InstanceOverview) -> String {
    i.pool_id.clone().unwrap_or_else(|| format!("{}.{}", i.instance_type, i.az))
}

/// `GET /api/client/{client_id}/instances`.
#[utoipa::path(
    get,
    path = "/api/client/{client_id}/instances",
    tag = "client dashboard",
    summary = "Instances page: every instance of the tenant's groups with prices",
    params(ClientIdPath),
    responses((status = 200, body = InstancesEnvelope), DashErrors)
)]
pub async fn list(state: web::Data<AppState>, OwnClient(client): OwnClient) -> DashResult {
    let list = instance_overviews(&state, client, None).await?;
    let known = prices(&state, list.iter().map(|i| (i.instance_type.clone(), i.region.clone()))).await;
    let instances = list
        .iter()
        .map(|i| DashInstance {
            id: i.instance_id.clone(),
            instance_type: i.instance_type.clone(),
            region: i.region.clone(),
            az: i.az.clone(),
            current_mode: i.mode.clone(),
            spot_price: if i.mode == "spot" { pool_price(&known, &pool_of(i)).unwrap_or(0.0) } else { 0.0 },
            ondemand_price: on_demand_price(&known, &i.instance_type, &i.region).unwrap_or(0.0),
            is_active: is_active(i),
            role: i.role.clone(),
            logical_agent_id: i.logical_agent_id.clone(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(InstancesEnvelope { instances }))
}

/// A pool in the pricing answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PricedPool {
    pub id: String,
    pub name: String,
    pub az: String,
    pub price: f64,
    /// Percent below on-demand (0 when on-demand is unknown).
    pub savings: f64,
}

/// The instance's own pool.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CurrentPool {
    pub id: String,
    pub name: String,
    pub az: String,
}

/// On-demand as a named price.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NamedPrice {
    pub name: String,
    pub price: f64,
}

/// `GET /api/client/instances/{iid}/pricing` (the original server's camelCase shape).
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InstancePricing {
    pub current_mode: String,
    pub current_pool: CurrentPool,
    pub on_demand: NamedPrice,
    pub pools: Vec<PricedPool>,
}

/// `GET /api/client/instances/{instance_id}/pricing`.
#[utoipa::path(
    get,
    path = "/api/client/instances/{instance_id}/pricing",
    tag = "client dashboard",
    summary = "Prices around one instance: its pool, on-demand, every pool of its type and region",
    params(("instance_id" = String, Path, description = "EC2 instance id")),
    responses((status = 200, body = InstancePricing), DashErrors, (status = 404, description = "Unknown instance, or another tenant's", body = serde_json::Value))
)]
pub async fn pricing(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> DashResult {
    let tenant = state.tokens.tenant(&state.db, &req).await?;
    let list = instance_overviews(&state, tenant.id, Some(path.trim().to_owned())).await?;
    let i = list.first().ok_or_else(|| DashError::not_found("Instance not found"))?;
    let known = prices(&state, [(i.instance_type.clone(), i.region.clone())]).await;
    let on_demand = on_demand_price(&known, &i.instance_type, &i.region).unwrap_or(0.0);
    let pool = pool_of(i);
    let pools = known
        .pools
        .iter()
        .filter(|p| p.instance_type == i.instance_type && p.region == i.region)
        .map(|p| PricedPool {
            id: p.pool_id.clone(),
            name: p.pool_id.clone(),
            az: p.az.clone(),
            price: p.price,
            savings: savings_percent(p.price, on_demand),
        })
        .collect();
    Ok(HttpResponse::Ok().json(InstancePricing {
        current_mode: i.mode.clone(),
        current_pool: CurrentPool { id: pool.clone(), name: pool, az: i.az.clone() },
        on_demand: NamedPrice { name: "On-Demand".into(), price: on_demand },
        pools,
    }))
}
