//! `POST /api/agents/{id}/pricing-report` (agent v4 call 7), then the pool
//! ids as the pricing service reads them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spot_domain::pricing::PoolId;
use spot_fuzz::{accepted, meta};
use spot_gateway::wire::parse_json;
use spot_gateway::wire::reports::PricingReportRequest;

fuzz_target!(|body: &[u8]| {
    let Some(request) = accepted(parse_json::<PricingReportRequest>(body)) else { return };
    let Some(event) = accepted(request.into_event(meta())) else { return };
    assert!(event.spot_pools.len() <= 500);
    let prices = [event.on_demand_price, event.current_spot_price].into_iter().flatten();
    let pools = event.spot_pools.iter().chain(event.cheapest_pool.iter());
    for price in prices.chain(pools.clone().map(|p| p.price)) {
        assert!(price.is_finite() && price >= 0.0, "price {price}");
    }
    let ids = pools.map(|p| p.pool_id.as_str()).chain(event.pool_id.as_deref());
    for pool in ids.filter_map(|id| PoolId::parse(id).ok()) {
        assert_eq!(format!("{}.{}", pool.instance_type(), pool.az()), pool.as_str());
        assert!(pool.az().starts_with(pool.region()));
    }
    if let Some(t) = &event.collected_at {
        assert!(spot_platform::time::from_wire(t).is_some(), "collected_at {t:?}");
    }
});
