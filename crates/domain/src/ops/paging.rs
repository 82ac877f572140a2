//! Keyset paging: a page size bounded by the server and an opaque cursor
//! naming the last row of the previous page by its (time, id) sort key, so a
//! row inserted while an operator pages never shifts or repeats a page.

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

/// Page size when the caller gives none.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 500;

/// Why a `limit` or `cursor` was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PagingError {
    #[error("limit must be between 1 and {MAX_LIMIT}")]
    Limit,
    #[error("cursor is not one this API handed out")]
    Cursor,
}

impl PagingError {
    /// The query parameter at fault.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Limit => "limit",
            Self::Cursor => "cursor",
        }
    }
}

/// A validated page size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u32);

impl PageLimit {
    /// `None` is the default; anything outside 1..=MAX_LIMIT is refused.
    pub fn parse(raw: Option<i64>) -> Result<Self, PagingError> {
        match raw {
            None => Ok(Self(DEFAULT_LIMIT)),
            Some(n) if (1..=i64::from(MAX_LIMIT)).contains(&n) => Ok(Self(n as u32)),
            Some(_) => Err(PagingError::Limit),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }

    /// Rows to fetch: one more than the page, to know whether a next page exists.
    pub fn fetch(self) -> u64 {
        u64::from(self.0) + 1
    }

    /// Cuts the fetched rows to the page and names the cursor of the next
    /// page (the key of the page's last row) when more rows were fetched.
    pub fn page<T>(self, mut rows: Vec<T>, key: impl Fn(&T) -> Cursor) -> (Vec<T>, Option<String>) {
        let more = rows.len() > self.0 as usize;
        rows.truncate(self.0 as usize);
        let next = if more { rows.last().map(|r| key(r).encode()) } else { None };
        (rows, next)
    }
}

/// The sort key of a row: newest first, ties broken by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: Uuid,
}

impl Cursor {
    /// `<microseconds since epoch>.<uuid simple>`: URL-safe, no padding.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.at.timestamp_micros(), self.id.simple())
    }

    /// Parses what [`Cursor::encode`] wrote.
    pub fn decode(raw: &str) -> Result<Self, PagingError> {
        let (micros, id) = raw.trim().split_once('.').ok_or(PagingError::Cursor)?;
        let micros: i64 = micros.parse().map_err(|_| PagingError::Cursor)?;
        let at = Utc.timestamp_micros(micros).single().ok_or(PagingError::Cursor)?;
        let id = Uuid::try_parse(id).map_err(|_| PagingError::Cursor)?;
        Ok(Self { at, id })
    }

    /// An optional query parameter.
    pub fn decode_opt(raw: Option<&str>) -> Result<Option<Self>, PagingError> {
        raw.filter(|r| !r.trim().is_empty()).map(Self::decode).transpose()
    }

    /// The key of an optional cursor as two optional SQL parameters (both
    /// `None` for the first page).
    pub fn bounds(after: Option<Self>) -> (Option<DateTime<Utc>>, Option<Uuid>) {
        after.map(|c| (Some(c.at), Some(c.id))).unwrap_or((None, None))
    }
}

/// The page size and cursor of a paged gRPC request, whose `limit` is 0
/// (or less) when the caller gave none.
pub fn parse_request(limit: i32, after: Option<&str>) -> Result<(PageLimit, Option<Cursor>), PagingError> {
    let limit = PageLimit::parse((limit > 0).then_some(i64::from(limit)))?;
    Ok((limit, Cursor::decode_opt(after)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn limits_default_and_bound() {
        assert_eq!(PageLimit::parse(None).map(PageLimit::get), Ok(DEFAULT_LIMIT));
        assert_eq!(PageLimit::parse(Some(500)).map(PageLimit::get), Ok(500));
        assert_eq!(PageLimit::parse(Some(0)), Err(PagingError::Limit));
        assert_eq!(PageLimit::parse(Some(501)), Err(PagingError::Limit));
        assert_eq!(PageLimit::parse(Some(-3)), Err(PagingError::Limit));
    }

    #[test]
    fn a_page_names_its_last_row_only_when_more_follow() {
        let at = Utc.timestamp_opt(1_700_000_000, 0).single().unwrap_or_default();
        let rows: Vec<Cursor> = (0..3).map(|_| Cursor { at, id: Uuid::now_v7() }).collect();
        let limit = PageLimit::parse(Some(2)).unwrap_or(PageLimit(2));
        let (page, next) = limit.page(rows.clone(), |c| *c);
        assert_eq!(page.len(), 2);
        assert_eq!(next, Some(rows[1].encode()));
        let (page, next) = limit.page(rows[..2].to_vec(), |c| *c);
        assert_eq!((page.len(), next), (2, None));
    }

    #[test]
    fn a_request_without_limit_or_cursor_is_the_first_default_page() {
        assert_eq!(parse_request(0, None), Ok((PageLimit(DEFAULT_LIMIT), None)));
        assert_eq!(parse_request(-1, Some(" ")), Ok((PageLimit(DEFAULT_LIMIT), None)));
        assert_eq!(parse_request(501, None), Err(PagingError::Limit));
        assert_eq!(parse_request(5, Some("x")), Err(PagingError::Cursor));
        let c = Cursor {
            at: Utc.timestamp_opt(1_700_000_000, 0).single().unwrap_or_default(),
            id: Uuid::now_v7(),
        };
        assert_eq!(parse_request(5, Some(&c.encode())), Ok((PageLimit(5), Some(c))));
        assert_eq!(Cursor::bounds(Some(c)), (Some(c.at), Some(c.id)));
        assert_eq!(Cursor::bounds(None), (None, None));
    }

    #[test]
    fn garbage_cursors_are_refused() {
        for raw in ["", "x", "1.", ".abc", "12.not-a-uuid", "9999999999999999999.0"] {
            assert_eq!(Cursor::decode(raw), Err(PagingError::Cursor), "{raw}");
        }
        assert_eq!(Cursor::decode_opt(Some("  ")), Ok(None));
    }

    proptest! {
        #[test]
        fn cursors_round_trip(micros in -62_000_000_000_000_000i64..200_000_000_000_000_000, bits: u128) {
            let at = Utc.timestamp_micros(micros).single();
            prop_assume!(at.is_some());
            let c = Cursor { at: at.unwrap_or_default(), id: Uuid::from_u128(bits) };
            prop_assert_eq!(Cursor::decode(&c.encode()), Ok(c));
        }
    }
}
