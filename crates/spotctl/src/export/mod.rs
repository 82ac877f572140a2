//! `spotctl export training --from --to --out FILE.parquet`: the canonical
//! price layer joined with lifecycle and emergency features, one row per
//! pool and price bucket, streamed into a Parquet file page by page (one
//! row group per page, so memory is bounded by `--page-rows` whatever the
//! range). The export itself is `crates/training` (the gateway's admin
//! endpoint streams the same code); this is the command line, the progress
//! line and the file. docs/DECISIONS.md ("Training export") lists the columns.

use anyhow::Context;
use clap::{Args, Subcommand};
use sea_orm::ConnectionTrait;
pub use spot_training::Summary;
use spot_training::{Options, Range};
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
    #[arg(long, default_value_t = spot_training::DEFAULT_PAGE_ROWS)]
    pub page_rows: u32,
}

/// The checked range `[from, to)` and options; an inverted or empty range
/// is refused (the same checks as the gateway's endpoint).
pub fn range(args: &TrainingArgs) -> anyhow::Result<(Range, Options)> {
    let range = Range::parse(&args.from, &args.to)?;
    let options = Options { bucket_seconds: args.bucket_seconds, page_rows: args.page_rows };
    options.check()?;
    Ok((range, options))
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
    let (range, options) = range(args)?;
    let part = part_path(&args.out);
    let file = std::fs::File::create(&part).with_context(|| format!("creating {}", part.display()))?;
    let result = spot_training::write(db, range, options, BufWriter::new(file), progress).await;
    let done = result.map_err(anyhow::Error::from).and_then(|(mut sink, summary)| {
        sink.flush().with_context(|| format!("writing {}", part.display()))?;
        Ok(summary)
    });
    match done {
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
