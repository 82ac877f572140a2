//! Operators' API logic (docs/OPERATORS_API.md): paging cursors and limits,
//! time windows, downtime percentiles and per-day series. Pure: callers pass
//! rows and the clock in.

pub mod downtime;
pub mod operational;
pub mod paging;
pub mod series;
pub mod window;

pub use downtime::DowntimeSummary;
pub use operational::{OperationalInputs, OperationalMetrics};
pub use paging::{Cursor, PageLimit, PagingError};
pub use series::{DayPoint, daily_series};
pub use window::{Window, WindowError};
