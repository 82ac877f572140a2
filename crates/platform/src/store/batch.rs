//! Multi-row statements: one round trip for a chunk of rows instead of one
//! per row. Postgres takes at most 65,535 bind parameters per statement, so
//! callers split their rows with [`chunk_rows`].

/// Largest number of bind parameters one statement may carry.
pub const MAX_PARAMS: usize = 65_535;

/// `($1, $2, $3), ($4, $5, $6)` for `rows` rows of `cols` columns.
pub fn values_placeholders(cols: usize, rows: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(r * cols + c + 1).to_string());
        }
        out.push(')');
    }
    out
}

/// Rows of `cols` columns that fit in one statement (at least 1).
pub fn chunk_rows(cols: usize) -> usize {
    (MAX_PARAMS / cols.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_then_columns() {
        assert_eq!(values_placeholders(2, 2), "($1, $2), ($3, $4)");
        assert_eq!(values_placeholders(3, 1), "($1, $2, $3)");
        assert_eq!(values_placeholders(3, 0), "");
    }

    #[test]
    fn chunks_stay_under_the_parameter_limit() {
        assert!(chunk_rows(25) * 25 <= MAX_PARAMS);
        assert_eq!(chunk_rows(0), MAX_PARAMS);
        assert_eq!(chunk_rows(MAX_PARAMS * 2), 1);
    }
}
