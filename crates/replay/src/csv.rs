//! The trace file: CSV with the header
//! `time,region,az,instance_type,spot_price,on_demand_price,available`
//! (columns in any order, each exactly once), one row per pool and tick,
//! ticks in ascending time, every pool of the first tick present at every
//! tick. `time` is RFC 3339 UTC; `available` is 1 when a spot instance can
//! be launched and kept, 0 when not. Fields hold no commas or quotes.
//! A malformed file is refused with the line number and the reason.

use crate::trace::{Pool, Trace};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::io::{BufRead, Write};

/// The columns, in the order written.
pub const COLUMNS: [&str; 7] =
    ["time", "region", "az", "instance_type", "spot_price", "on_demand_price", "available"];

/// Why a trace was refused.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("line {line}: {reason}")]
    Malformed { line: usize, reason: String },
    #[error("reading the trace: {0}")]
    Io(#[from] std::io::Error),
}

fn bad(line: usize, reason: impl Into<String>) -> TraceError {
    TraceError::Malformed { line, reason: reason.into() }
}

fn header(line: &str) -> Result<[usize; 7], TraceError> {
    let names: Vec<&str> = line.split(',').map(str::trim).collect();
    let mut idx = [usize::MAX; 7];
    for (i, name) in names.iter().enumerate() {
        let Some(c) = COLUMNS.iter().position(|c| c == name) else {
            return Err(bad(1, format!("unknown column {name:?} (expected {})", COLUMNS.join(","))));
        };
        if idx[c] != usize::MAX {
            return Err(bad(1, format!("column {name:?} appears twice")));
        }
        idx[c] = i;
    }
    if let Some(c) = idx.iter().position(|&i| i == usize::MAX) {
        return Err(bad(1, format!("missing column {:?}", COLUMNS[c])));
    }
    Ok(idx)
}

fn price(raw: &str, what: &str, line: usize) -> Result<f64, TraceError> {
    let v: f64 = raw.parse().map_err(|_| bad(line, format!("{what} {raw:?} is not a number")))?;
    if !(v.is_finite() && v > 0.0) {
        return Err(bad(line, format!("{what} {raw} must be greater than zero")));
    }
    Ok(v)
}

struct Builder {
    trace: Trace,
    index: HashMap<(String, String, String), usize>,
    seen: Vec<bool>,
    tick_line: usize,
}

impl Builder {
    /// Checks the tick just finished has every pool (`line` is where the
    /// next tick starts, or the end of the file).
    fn close_tick(&mut self, line: usize) -> Result<(), TraceError> {
        if let Some(missing) = self.seen.iter().position(|s| !s) {
            let at = self.trace.times.last().map(|t| t.to_rfc3339()).unwrap_or_default();
            return Err(bad(
                line,
                format!(
                    "pool {} is missing at tick {at} (tick starts at line {})",
                    self.trace.pools[missing].id(),
                    self.tick_line
                ),
            ));
        }
        self.seen.iter_mut().for_each(|s| *s = false);
        Ok(())
    }
}

/// Reads a trace.
pub fn read(input: impl BufRead) -> Result<Trace, TraceError> {
    let mut lines = input.lines();
    let first = lines.next().transpose()?.ok_or_else(|| bad(1, "empty file: no header"))?;
    let idx = header(first.trim_start_matches('\u{feff}'))?;
    let mut b = Builder {
        trace: Trace {
            pools: Vec::new(),
            times: Vec::new(),
            spot: Vec::new(),
            on_demand: Vec::new(),
            available: Vec::new(),
        },
        index: HashMap::new(),
        seen: Vec::new(),
        tick_line: 2,
    };
    let mut first_tick = true;
    let mut cells: Vec<(f64, f64, bool)> = Vec::new();
    let mut last_line = 1;
    for (n, line) in lines.enumerate() {
        let line_no = n + 2;
        last_line = line_no;
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        if f.len() != COLUMNS.len() {
            return Err(bad(line_no, format!("{} fields, expected {}", f.len(), COLUMNS.len())));
        }
        let get = |c: usize| f[idx[c]];
        let time: DateTime<Utc> = DateTime::parse_from_rfc3339(get(0))
            .map_err(|e| bad(line_no, format!("time {:?} is not RFC 3339: {e}", get(0))))?
            .with_timezone(&Utc);
        let spot = price(get(4), "spot_price", line_no)?;
        let od = price(get(5), "on_demand_price", line_no)?;
        let available = match get(6) {
            "1" => true,
            "0" => false,
            other => return Err(bad(line_no, format!("available {other:?} must be 0 or 1"))),
        };
        let key = (get(1).to_owned(), get(2).to_owned(), get(3).to_owned());
        if key.0.is_empty() || key.1.is_empty() || key.2.is_empty() || key.1.contains('.') {
            return Err(bad(line_no, "region, az and instance_type must be non-empty (az without '.')"));
        }
        match b.trace.times.last() {
            Some(last) if time < *last => {
                return Err(bad(
                    line_no,
                    format!("time {} goes back (previous tick {})", time.to_rfc3339(), last.to_rfc3339()),
                ));
            }
            Some(last) if time == *last => {}
            prev => {
                if prev.is_some() {
                    if first_tick {
                        first_tick = false;
                        b.seen = vec![false; b.trace.pools.len()];
                    } else {
                        b.close_tick(line_no)?;
                        flush(&mut b.trace, &mut cells);
                    }
                }
                b.trace.times.push(time);
                b.tick_line = line_no;
                if !first_tick {
                    cells = vec![(0.0, 0.0, false); b.trace.pools.len()];
                }
            }
        }
        let pool = match b.index.get(&key) {
            Some(&i) => i,
            None if first_tick => {
                let i = b.trace.pools.len();
                b.trace.pools.push(Pool {
                    region: key.0.clone(),
                    az: key.1.clone(),
                    instance_type: key.2.clone(),
                });
                b.index.insert(key.clone(), i);
                b.seen.push(false);
                i
            }
            None => return Err(bad(line_no, format!("pool {}.{} was not in the first tick", key.2, key.1))),
        };
        if first_tick {
            if b.seen[pool] {
                return Err(bad(line_no, format!("pool {}.{} appears twice at one tick", key.2, key.1)));
            }
            b.seen[pool] = true;
            b.trace.spot.push(spot);
            b.trace.on_demand.push(od);
            b.trace.available.push(available);
        } else {
            if b.seen[pool] {
                return Err(bad(line_no, format!("pool {}.{} appears twice at one tick", key.2, key.1)));
            }
            b.seen[pool] = true;
            cells[pool] = (spot, od, available);
        }
    }
    if b.trace.times.is_empty() {
        return Err(bad(last_line, "no rows"));
    }
    if !first_tick {
        b.close_tick(last_line + 1)?;
        flush(&mut b.trace, &mut cells);
    }
    if b.trace.times.len() < 2 {
        return Err(bad(last_line, "a trace needs at least two ticks"));
    }
    Ok(b.trace)
}

fn flush(t: &mut Trace, cells: &mut Vec<(f64, f64, bool)>) {
    for (s, o, a) in cells.drain(..) {
        t.spot.push(s);
        t.on_demand.push(o);
        t.available.push(a);
    }
}

/// Writes a trace in the format [`read`] takes.
pub fn write(trace: &Trace, mut out: impl Write) -> std::io::Result<()> {
    writeln!(out, "{}", COLUMNS.join(","))?;
    for (k, time) in trace.times.iter().enumerate() {
        // AutoSi: whole seconds as before, a fraction only when there is one
        // (with `Secs`, ticks inside one second came back as one tick).
        let time = time.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        for (i, p) in trace.pools.iter().enumerate() {
            writeln!(
                out,
                "{time},{},{},{},{},{},{}",
                p.region,
                p.az,
                p.instance_type,
                trace.spot(k, i),
                trace.on_demand(k, i),
                u8::from(trace.available(k, i))
            )?;
        }
    }
    out.flush()
}
