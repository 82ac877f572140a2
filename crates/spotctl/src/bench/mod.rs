//! `spotctl bench ...`: measurements on this machine, printed as a human
//! table and one JSON line. Never part of `make test`.

pub mod emergency;
pub mod pricing;
mod report;
pub mod sandbox;

pub use report::{Report, peak_rss_mib};
