//! Human tables of JSON rows: one column per named field, widths from the
//! content, long cells cut with `…`.

use serde_json::Value;

/// Widest a cell is shown.
pub const MAX_CELL: usize = 40;

/// A cell's text.
pub fn cell(v: &Value) -> String {
    let raw = match v {
        Value::Null => "-".to_owned(),
        Value::String(s) => s.clone(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        other => other.to_string(),
    };
    let raw = raw.replace(['\n', '\r', '\t'], " ");
    if raw.chars().count() > MAX_CELL {
        let cut: String = raw.chars().take(MAX_CELL - 1).collect();
        format!("{cut}…")
    } else {
        raw
    }
}

/// Rows as an aligned table under upper-case headers.
pub fn render(rows: &[Value], columns: &[&str]) -> String {
    let cells: Vec<Vec<String>> =
        rows.iter().map(|r| columns.iter().map(|c| cell(&r[*c])).collect()).collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| cells.iter().map(|r| r[i].chars().count()).chain([c.len()]).max().unwrap_or(0))
        .collect();
    let line = |values: Vec<String>| {
        let padded: Vec<String> =
            values.iter().zip(&widths).map(|(v, w)| format!("{v:<w$}", w = *w)).collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = line(columns.iter().map(|c| c.to_uppercase()).collect());
    out.push('\n');
    for row in cells {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

/// One object as `key: value` lines.
pub fn render_object(v: &Value) -> String {
    match v.as_object() {
        Some(map) => {
            let width = map.keys().map(String::len).max().unwrap_or(0);
            map.iter().map(|(k, v)| format!("{k:<width$}  {}\n", cell(v))).collect()
        }
        None => format!("{}\n", cell(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tables_align_and_cut() {
        let rows = [json!({"id": "a", "name": "x".repeat(50)}), json!({"id": "bbb", "name": null})];
        let out = render(&rows, &["id", "name"]);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "ID   NAME");
        assert!(lines[1].starts_with("a    xxx") && lines[1].ends_with('…'));
        assert_eq!(lines[2], "bbb  -");
        assert_eq!(render_object(&json!({"a": true, "bb": 1})), "a   yes\nbb  1\n");
    }
}
