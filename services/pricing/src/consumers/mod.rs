//! Consumers: agent pricing reports into staging, and the lifecycle events
//! the pricing service projects (instance roles, switches).

pub mod lifecycle;
pub mod reports;
