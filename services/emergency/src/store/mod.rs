//! The `emergency` schema: notices, boot samples, pool risk, policies.

pub mod boot;
pub mod notices;
pub mod policies;
pub mod risk;
