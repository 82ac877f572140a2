//! The `emergency` schema: notices and their timelines, boot samples, pool
//! risk, policies, and the projection of lifecycle's groups.

pub mod boot;
pub mod notice_events;
pub mod notices;
pub mod policies;
pub mod projection;
pub mod risk;
pub mod timeline;
