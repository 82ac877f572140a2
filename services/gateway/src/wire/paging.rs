//! Query parameters every paged list takes: `limit` and `cursor` (`after`
//! is accepted too, the name the older `/api/{kind}` listings use).

use crate::error::ApiError;
use spot_domain::ops::{Cursor, PageLimit, PagingError};

/// `?limit=&cursor=`.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1..500, default 50
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page
    pub cursor: Option<String>,
    /// Same as `cursor`
    pub after: Option<String>,
}

impl From<PagingError> for ApiError {
    fn from(e: PagingError) -> Self {
        ApiError::Field { field: e.field(), message: e.to_string() }
    }
}

impl PageParams {
    /// The validated limit and cursor.
    pub fn parse(&self) -> Result<(PageLimit, Option<Cursor>), ApiError> {
        let limit = PageLimit::parse(self.limit)?;
        let cursor = Cursor::decode_opt(self.cursor.as_deref().or(self.after.as_deref()))?;
        Ok((limit, cursor))
    }

    /// The validated limit and cursor as the services' requests take them.
    pub fn for_request(&self) -> Result<(i32, Option<String>), ApiError> {
        let (limit, cursor) = self.parse()?;
        Ok((request_limit(limit), cursor.map(|c| c.encode())))
    }
}

/// A page limit as the services' requests take it.
pub fn request_limit(limit: PageLimit) -> i32 {
    i32::try_from(limit.get()).unwrap_or(i32::MAX)
}
