//! Route labels for metrics without a second routing pass.
//!
//! actix-web's `match_pattern()` walks every route pattern again (one regex
//! each); on the agent hot path that cost as much as the handler. The label
//! table is built once from the OpenAPI document (so it cannot drift from
//! the documented routes) plus the ops routes, and matches a path segment by
//! segment with plain string comparisons. The gateway's table is built in
//! [`crate::openapi`] (routes know nothing of the document).

use std::collections::HashMap;

/// Label for paths no documented route has.
pub const UNMATCHED: &str = "unmatched";

/// One pattern, split into segments; `None` is a `{parameter}`.
#[derive(Debug)]
struct Pattern {
    label: String,
    segments: Vec<Option<String>>,
}

/// Patterns grouped by their number of segments, most specific first.
#[derive(Debug, Default)]
pub struct RouteLabels {
    by_len: HashMap<usize, Vec<Pattern>>,
}

impl RouteLabels {
    /// From route patterns such as `/api/agents/{agent_id}/heartbeat`.
    pub fn new<'a>(patterns: impl IntoIterator<Item = &'a str>) -> Self {
        let mut by_len: HashMap<usize, Vec<Pattern>> = HashMap::new();
        for p in patterns {
            let segments: Vec<Option<String>> = p
                .trim_start_matches('/')
                .split('/')
                .map(|s| if s.starts_with('{') { None } else { Some(s.to_owned()) })
                .collect();
            by_len.entry(segments.len()).or_default().push(Pattern { label: p.to_owned(), segments });
        }
        for list in by_len.values_mut() {
            // Fewer parameters first: `/api/savings` before `/api/{kind}`.
            list.sort_by_key(|p| p.segments.iter().filter(|s| s.is_none()).count());
        }
        Self { by_len }
    }

    /// The pattern `path` falls under, or [`UNMATCHED`].
    pub fn label(&self, path: &str) -> &str {
        let count = path.trim_start_matches('/').split('/').count();
        let Some(list) = self.by_len.get(&count) else { return UNMATCHED };
        list.iter()
            .find(|p| {
                p.segments
                    .iter()
                    .zip(path.trim_start_matches('/').split('/'))
                    .all(|(want, got)| !got.is_empty() && want.as_deref().is_none_or(|w| w == got))
            })
            .map_or(UNMATCHED, |p| p.label.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_patterns() {
        let labels = RouteLabels::new([
            "/api/agents/register",
            "/api/agents/{agent_id}/heartbeat",
            "/api/agents/{agent_id}/commands/{command_id}/executed",
            "/api/{kind}",
            "/api/savings",
            "/healthz",
        ]);
        assert_eq!(labels.label("/api/agents/register"), "/api/agents/register");
        assert_eq!(labels.label("/api/agents/0193-x/heartbeat"), "/api/agents/{agent_id}/heartbeat");
        assert_eq!(
            labels.label("/api/agents/a/commands/c/executed"),
            "/api/agents/{agent_id}/commands/{command_id}/executed"
        );
        assert_eq!(labels.label("/api/savings"), "/api/savings");
        assert_eq!(labels.label("/api/groups"), "/api/{kind}");
        assert_eq!(labels.label("/healthz"), "/healthz");
        assert_eq!(labels.label("/api/agents//heartbeat"), UNMATCHED);
        assert_eq!(labels.label("/api/agents/a/unknown"), UNMATCHED);
        assert_eq!(labels.label("/nope/at/all/here/x/y/z"), UNMATCHED);
    }
}
