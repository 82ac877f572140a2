//! A bench's output: rows of (measure, value, unit, target) printed as a
//! table, then the same as one JSON line for scripts.

use std::fmt::Write as _;

/// Collected figures of one bench run.
#[derive(Debug, Default)]
pub struct Report {
    name: String,
    rows: Vec<(String, f64, String, String)>,
}

impl Report {
    pub fn new(name: &str) -> Self {
        Self { name: name.to_owned(), rows: Vec::new() }
    }

    /// Adds one figure; `target` is shown next to it ("" when none).
    pub fn add(&mut self, measure: &str, value: f64, unit: &str, target: &str) {
        self.rows.push((measure.to_owned(), value, unit.to_owned(), target.to_owned()));
    }

    /// The table and the JSON line.
    pub fn render(&self) -> String {
        let width = self.rows.iter().map(|r| r.0.len()).max().unwrap_or(10).max(10);
        let mut out = format!("bench {}\n", self.name);
        let _ = writeln!(out, "{:<width$}  {:>14}  {:<8}  target", "measure", "value", "unit");
        for (m, v, u, t) in &self.rows {
            let _ = writeln!(out, "{m:<width$}  {:>14}  {u:<8}  {t}", format_value(*v));
        }
        let json: serde_json::Map<String, serde_json::Value> =
            self.rows.iter().map(|(m, v, _, _)| (m.clone(), serde_json::json!(v))).collect();
        let _ = writeln!(out, "{}", serde_json::json!({"bench": self.name, "figures": json}));
        out
    }
}

fn format_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 { format!("{v:.0}") } else { format!("{v:.3}") }
}

/// Peak resident set of this process (VmHWM), MiB; 0 where /proc is absent.
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
