//! `spot-pricing`: the pricing service as its own process.

spot_platform::service_main!(
    spot_pricing,
    "Spot prices: ingests pricing reports, consolidates the price history, publishes pool risk"
);
