//! `spotctl bench ...`: measurements on this machine, printed as a human
//! table and one JSON line. Never part of `make test`.

pub mod ceiling;
pub mod decisions;
pub mod emergency;
pub mod emergency_fleet;
pub mod ingest;
pub mod lag;
pub mod pgstats;
pub mod pricing;
pub mod procs;
mod report;
pub mod sandbox;
pub mod saturate;
pub mod scrape;
pub mod soak;
pub mod sockets;
pub mod sse;
pub mod storm;

pub use report::{Report, peak_rss_mib};
