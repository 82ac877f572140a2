//! SQL of the pricing schema.

pub mod canonical;
pub mod consolidated;
pub mod current;
pub mod jobs;
pub mod risk;
pub mod savings;
pub mod staging;
