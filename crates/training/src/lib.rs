//! The training export: pricing's canonical price layer (one consolidated
//! price per pool and bucket) joined with what lifecycle and emergency
//! recorded in that pool and bucket (notices, missed deadlines, switches,
//! replicas, PRIMARY count), written as Parquet one page at a time.
//!
//! One implementation behind both ways out: `spotctl export training`
//! writes a file ([`write`]), the gateway's `GET /api/admin/export/training`
//! streams the same bytes chunk by chunk ([`Export`]). Either way memory is
//! bounded by one page of rows (`page_rows`) and its row group, whatever
//! the range. docs/DECISIONS.md ("Training export") lists the columns.
//!
//! - [`range`]: the checked `[from, to)` and its typed refusals.
//! - [`query`]: one page of rows (keyset pagination, one bounded query).
//! - [`parquet_file`]: the schema and the row-group writer.

pub mod parquet_file;
pub mod query;
pub mod range;

pub use query::TrainingRow;
pub use range::{Range, RangeError};

use parquet::errors::ParquetError;
use sea_orm::ConnectionTrait;
use std::io::Write;

/// Default rows per page (one query, one row group).
pub const DEFAULT_PAGE_ROWS: u32 = 50_000;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The range or an option was refused before anything was read.
    #[error(transparent)]
    Range(#[from] RangeError),
    /// The range is well formed but holds no consolidated price.
    #[error(
        "no consolidated prices in [{from}, {to}): nothing to export (is the range right, and has pricing consolidated it?)"
    )]
    NothingToExport { from: String, to: String },
    #[error("reading the export rows: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("writing Parquet: {0}")]
    Parquet(#[from] ParquetError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
}

/// How an export pages and buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Pricing's bucket width: an event counts in the bucket holding it.
    pub bucket_seconds: u32,
    /// Rows per page: the memory bound.
    pub page_rows: u32,
}

impl Options {
    /// Checks the bounds (`bucket_seconds` 1..=86400, `page_rows` >= 1).
    pub fn check(&self) -> Result<(), RangeError> {
        if self.bucket_seconds == 0 || self.bucket_seconds > 86_400 {
            return Err(RangeError::BucketSeconds);
        }
        if self.page_rows == 0 {
            return Err(RangeError::PageRows);
        }
        Ok(())
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub rows: u64,
    pub row_groups: u64,
}

/// An export in progress: pages are read and written as row groups one at
/// a time by [`Export::next_page`], into `W`. With a `Vec<u8>` sink the
/// caller takes the encoded bytes after every page ([`Export::take_bytes`])
/// and sends them on, so only one row group's bytes are ever held.
pub struct Export<W: Write + Send> {
    range: Range,
    options: Options,
    total: u64,
    writer: parquet_file::TrainingWriter<W>,
    cursor: Option<query::Cursor>,
    summary: Summary,
    done: bool,
}

impl<W: Write + Send> Export<W> {
    /// Counts the rows of `range` and starts the file; refuses a range
    /// without any consolidated price.
    pub async fn start<C: ConnectionTrait>(
        db: &C,
        range: Range,
        options: Options,
        sink: W,
    ) -> Result<Self, ExportError> {
        options.check()?;
        let total = query::count(db, range.from, range.to).await?;
        if total == 0 {
            return Err(ExportError::NothingToExport {
                from: range.from.to_rfc3339(),
                to: range.to.to_rfc3339(),
            });
        }
        Ok(Self {
            range,
            options,
            total,
            writer: parquet_file::TrainingWriter::new(sink)?,
            cursor: None,
            summary: Summary { rows: 0, row_groups: 0 },
            done: false,
        })
    }

    /// Rows of the range (counted at the start).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Reads and writes the next page; `false` once every row is written.
    pub async fn next_page<C: ConnectionTrait>(&mut self, db: &C) -> Result<bool, ExportError> {
        if self.done {
            return Ok(false);
        }
        let Options { page_rows, bucket_seconds } = self.options;
        let rows =
            query::page(db, self.range.from, self.range.to, self.cursor.as_ref(), page_rows, bucket_seconds)
                .await?;
        let Some(last) = rows.last() else {
            self.done = true;
            return Ok(false);
        };
        self.cursor = Some((last.bucket_start, last.pool_id.clone()));
        self.writer.write(&rows)?;
        self.summary.rows += rows.len() as u64;
        self.summary.row_groups += 1;
        if rows.len() < page_rows as usize {
            self.done = true;
        }
        Ok(true)
    }

    /// Rows and row groups written so far.
    pub fn summary(&self) -> Summary {
        self.summary
    }

    /// Writes the footer and hands the sink back.
    pub fn finish(self) -> Result<(W, Summary), ExportError> {
        let sink = self.writer.finish()?;
        Ok((sink, self.summary))
    }
}

impl Export<Vec<u8>> {
    /// The bytes encoded since the last call (the row groups just written).
    pub fn take_bytes(&mut self) -> Result<Vec<u8>, ExportError> {
        Ok(self.writer.take_bytes()?)
    }
}

/// Writes the whole export into `sink`; `progress` hears `(rows written,
/// total)` after every page.
pub async fn write<C: ConnectionTrait, W: Write + Send>(
    db: &C,
    range: Range,
    options: Options,
    sink: W,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(W, Summary), ExportError> {
    let mut export = Export::start(db, range, options, sink).await?;
    while export.next_page(db).await? {
        progress(export.summary().rows, export.total());
    }
    export.finish()
}
