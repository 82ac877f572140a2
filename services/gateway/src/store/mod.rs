//! SQL of the gateway schema.

pub mod agents;
pub mod tenant_status;
pub mod tenants;
