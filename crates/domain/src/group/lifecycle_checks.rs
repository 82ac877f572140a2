//! Test support for the command and replica lifecycles: the spellings of a
//! status or type enum round-trip, and a transition function agrees with an
//! allow-list on every pair of statuses.

use std::fmt::{Debug, Display};

/// `all` is spelled `spelled`, in that order; each parses back from its
/// spelling in upper and lower case and displays as it.
pub fn round_trips<T: Copy + PartialEq + Debug + Display>(
    all: &[T],
    spelled: &[&str],
    as_str: fn(&T) -> &'static str,
    parse: fn(&str) -> Option<T>,
) {
    assert_eq!(all.iter().map(as_str).collect::<Vec<_>>(), spelled);
    for v in all {
        assert_eq!(parse(as_str(v)), Some(*v));
        assert_eq!(parse(&as_str(v).to_ascii_lowercase()), Some(*v));
        assert_eq!(parse(&as_str(v).to_ascii_uppercase()), Some(*v));
        assert_eq!(v.to_string(), as_str(v));
    }
}

/// For every pair of `all`: staying is `Ok(false)`, a pair in `allowed` is
/// `Ok(true)`, anything else is `error(from, to)`.
pub fn match_the_table<S: Copy + PartialEq + Display, E: PartialEq + Debug>(
    all: &[S],
    allowed: &[(S, S)],
    transition: fn(S, S) -> Result<bool, E>,
    error: fn(S, S) -> E,
) {
    for &from in all {
        for &to in all {
            let want = if from == to {
                Ok(false)
            } else if allowed.contains(&(from, to)) {
                Ok(true)
            } else {
                Err(error(from, to))
            };
            assert_eq!(transition(from, to), want, "{from} -> {to}");
        }
    }
}
