//! SQL of the lifecycle schema. Batch writes use `unnest` so a batch of
//! heartbeats is one statement, not one transaction per message.

pub mod agents;
pub mod audit;
pub mod commands;
pub mod dashboard;
pub mod dashboard_history;
pub mod groups;
pub mod heartbeats;
pub mod listing;
pub mod replicas;
pub mod switches;
