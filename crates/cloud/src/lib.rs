//! Access to the cloud provider's APIs. Today: EC2 spot price history
//! (`DescribeSpotPriceHistory`) through the official AWS SDK for Rust, with a
//! configurable endpoint (the moto emulator in tests), region and
//! credentials. It returns plain values; consolidation rules live in
//! `spot-domain`.

pub mod spot_history;

pub use spot_history::{AwsSettings, HistoryError, PriceChange, SpotPriceHistory};
