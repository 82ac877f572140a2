//! Scheduled work: consolidation every 12 h, pool risk every 15 min, savings
//! after each day. Each is idempotent; consolidation is one run at a time
//! across replicas.

pub mod risk;
pub mod savings;
pub mod schedule;
