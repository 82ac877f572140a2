//! SQL of the gateway schema.

pub mod agents;
pub mod tenants;
