//! Small SQL helpers the benches and the end-to-end tests share: the
//! platform's (one copy for every crate).

pub use spot_platform::store::{count, count_with};
