//! `spotctl export training --from --to --out FILE.parquet`: the canonical
//! price layer joined with lifecycle and emergency features, one row per
//! pool and price bucket, streamed into a Parquet file page by page (one
//! row group per page, so memory is bounded by `--page-rows` whatever the
//! range). docs/DECISIONS.md ("Training export") lists the columns.

pub mod parquet_file;
pub mod query;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use sea_orm::ConnectionTrait;
use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Training data: consolidated prices joined with interruptions, notices, switches and replicas (Parquet).
    Training(TrainingArgs),
}

#[derive(Debug, Clone, Args)]
pub struct TrainingArgs {
    /// Range start, inclusive (RFC 3339, or a date: midnight UTC).
    #[arg(long)]
    pub from: String,
    /// Range end, exclusive (RFC 3339, or a date: midnight UTC).
    #[arg(long)]
    pub to: String,
    /// The Parquet file to write (written beside as `.part`, renamed when complete).
    #[arg(long, value_name = "FILE.parquet")]
    pub out: PathBuf,
    /// Pricing's bucket width: events are counted in the bucket holding them.
    #[arg(long, env = "SPOT_PRICE_BUCKET_SECONDS", default_value_t = 300)]
    pub bucket_seconds: u32,
    /// Rows per page (one query, one row group): the memory bound.
    #[arg(long, default_value_t = 50_000)]
    pub page_rows: u32,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub rows: u64,
    pub row_groups: u64,
}

/// Parses `--from`/`--to`: RFC 3339, or `YYYY-MM-DD` (midnight UTC).
pub fn parse_instant(raw: &str) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .with_context(|| format!("{raw:?} is neither RFC 3339 nor YYYY-MM-DD"))?;
    Ok(date.and_hms_opt(0, 0, 0).map(|d| d.and_utc()).unwrap_or_default())
}

/// The checked range `[from, to)`; an inverted or empty range is refused.
pub fn range(args: &TrainingArgs) -> anyhow::Result<(DateTime<Utc>, DateTime<Utc>)> {
    let from = parse_instant(&args.from).context("--from")?;
    let to = parse_instant(&args.to).context("--to")?;
    if to < from {
        bail!("inverted range: --to {to} is before --from {from}");
    }
    if to == from {
        bail!("empty range: --from and --to are both {from}; --to is exclusive");
    }
    if args.bucket_seconds == 0 || args.bucket_seconds > 86_400 {
        bail!("--bucket-seconds must be in 1..=86400");
    }
    if args.page_rows == 0 {
        bail!("--page-rows must be at least 1");
    }
    Ok((from, to))
}

/// Progress on the terminal: a rewritten line on a TTY, a line per 10 % otherwise.
pub struct Progress {
    total: u64,
    tty: bool,
    last_decile: u64,
}

impl Progress {
    pub fn stderr(total: u64) -> Self {
        Self { total, tty: std::io::stderr().is_terminal(), last_decile: 0 }
    }

    pub fn update(&mut self, done: u64) {
        let pct = done.saturating_mul(100).checked_div(self.total).unwrap_or(100);
        let mut err = std::io::stderr().lock();
        if self.tty {
            let _ = write!(err, "\rspotctl export: {done}/{} rows ({pct}%)", self.total);
            if done >= self.total {
                let _ = writeln!(err);
            }
        } else if pct / 10 > self.last_decile || done >= self.total {
            self.last_decile = pct / 10;
            let _ = writeln!(err, "spotctl export: {done}/{} rows ({pct}%)", self.total);
        }
        let _ = err.flush();
    }
}

/// Writes the training file; `progress` hears the rows written so far.
/// Nothing is left at `out` when it fails (the file is written as
/// `<out>.part` and renamed at the end).
pub async fn training<C: ConnectionTrait>(
    db: &C,
    args: &TrainingArgs,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<Summary> {
    let (from, to) = range(args)?;
    let total = query::count(db, from, to).await?;
    if total == 0 {
        bail!(
            "no consolidated prices in [{from}, {to}): nothing to export (is the range right, and has pricing consolidated it?)"
        );
    }
    let part = part_path(&args.out);
    let file = std::fs::File::create(&part).with_context(|| format!("creating {}", part.display()))?;
    let result = write_pages(db, args, from, to, total, BufWriter::new(file), progress).await;
    match result {
        Ok(summary) => {
            std::fs::rename(&part, &args.out)
                .with_context(|| format!("renaming {} to {}", part.display(), args.out.display()))?;
            Ok(summary)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&part);
            Err(e)
        }
    }
}

fn part_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".part");
    out.with_file_name(name)
}

async fn write_pages<C: ConnectionTrait, W: Write + Send>(
    db: &C,
    args: &TrainingArgs,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    total: u64,
    sink: W,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<Summary> {
    let mut writer = parquet_file::TrainingWriter::new(sink)?;
    let mut cursor: Option<query::Cursor> = None;
    let mut summary = Summary { rows: 0, row_groups: 0 };
    loop {
        let rows = query::page(db, from, to, cursor.as_ref(), args.page_rows, args.bucket_seconds).await?;
        let Some(last) = rows.last() else { break };
        cursor = Some((last.bucket_start, last.pool_id.clone()));
        writer.write(&rows)?;
        summary.rows += rows.len() as u64;
        summary.row_groups += 1;
        progress(summary.rows, total);
        if rows.len() < args.page_rows as usize {
            break;
        }
    }
    writer.finish()?;
    Ok(summary)
}
