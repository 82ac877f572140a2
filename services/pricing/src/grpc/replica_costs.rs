//! gRPC handler of `ListReplicaCosts` (docs/OPERATORS_API.md, "Replica
//! cost"): parses the filters, reads a page of `store::replica_costs`.

use crate::error::{PricingError, Result};
use crate::store::replica_costs::{self, CostQuery, ReplicaCostDay};
use spot_contracts::v1;
use spot_domain::ops::paging;
use spot_platform::time::from_wire_opt;

fn message(d: &ReplicaCostDay) -> v1::ReplicaCostDay {
    v1::ReplicaCostDay {
        client_id: d.client_id.to_string(),
        day: d.day.format("%Y-%m-%d").to_string(),
        replica_hours: d.replica_hours,
        replica_cost: d.replica_cost,
        savings: d.savings,
        net_savings: d.net_savings(),
        on_demand_equivalent_cost: d.on_demand_equivalent_cost,
    }
}

/// One page of a tenant's (or every tenant's) days.
pub async fn list(api: &super::PricingGrpc, r: v1::ReplicaCostsRequest) -> Result<v1::ReplicaCostList> {
    let db = &api.db;
    let client = PricingError::optional_id(Some(&r.client_id), "client_id")?;
    let query = CostQuery {
        client,
        from: from_wire_opt(&r.from).map(|t| t.date_naive()),
        to: from_wire_opt(&r.to).map(|t| t.date_naive()),
    };
    let (limit, after) = paging::parse_request(r.limit, r.after.as_deref())
        .map_err(|e| PricingError::invalid(e.to_string()))?;
    let (days, next_cursor) = replica_costs::page(db, query, limit, after).await?;
    Ok(v1::ReplicaCostList { items: days.iter().map(message).collect(), next_cursor })
}
