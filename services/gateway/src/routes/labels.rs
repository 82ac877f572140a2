//! Route labels for metrics without a second routing pass.
//!
//! actix-web's `match_pattern()` walks every route pattern again (one regex
//! each); on the agent hot path that cost as much as the handler. The label
//! table is built once from the OpenAPI document (so it cannot drift from
//! the documented routes) plus the ops routes, and matches a path segment by
//! segment with plain string comparisons. The gateway's table is built in
//! [`crate::openapi`] (routes know nothing of the document). Each pattern
//! also carries its [`RouteClass`]: which admission budget and time limit
//! its requests get (docs/HARDENING.md, "Load shedding").

use std::collections::HashMap;

/// Label for paths no documented route has.
pub const UNMATCHED: &str = "unmatched";

/// Who calls a route, which decides its admission budget and time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteClass {
    /// Agents' calls (the "agent v4" and "agent" tags) made on a schedule,
    /// and paths no route has: the fleet's large budget and short time
    /// limit. A lost one is replaced by the next.
    Agent,
    /// Agents' calls that change something and are not simply repeated
    /// (registration, which a v4 agent exits on failing; notices; switch,
    /// command and replica reports): a budget of their own that the
    /// scheduled calls cannot fill, and the agents' time limit.
    AgentPriority,
    /// Operators, the dashboards, the installer and the API documents: a
    /// small budget of their own, so they stay usable during an agent storm.
    Operator,
    /// `/healthz`, `/readyz`, `/metrics`: never refused, so an overloaded
    /// gateway can still be watched.
    Ops,
}

/// One pattern, split into segments; `None` is a `{parameter}`.
#[derive(Debug)]
struct Pattern {
    label: String,
    class: RouteClass,
    segments: Vec<Option<String>>,
}

/// Patterns grouped by their number of segments, most specific first.
#[derive(Debug, Default)]
pub struct RouteLabels {
    by_len: HashMap<usize, Vec<Pattern>>,
}

impl RouteLabels {
    /// From route patterns such as `/api/agents/{agent_id}/heartbeat`, each
    /// with its class.
    pub fn new<'a>(patterns: impl IntoIterator<Item = (&'a str, RouteClass)>) -> Self {
        let mut by_len: HashMap<usize, Vec<Pattern>> = HashMap::new();
        for (p, class) in patterns {
            let segments: Vec<Option<String>> = p
                .trim_start_matches('/')
                .split('/')
                .map(|s| if s.starts_with('{') { None } else { Some(s.to_owned()) })
                .collect();
            by_len.entry(segments.len()).or_default().push(Pattern { label: p.to_owned(), class, segments });
        }
        for list in by_len.values_mut() {
            // Fewer parameters first: `/api/savings` before `/api/{kind}`.
            list.sort_by_key(|p| p.segments.iter().filter(|s| s.is_none()).count());
        }
        Self { by_len }
    }

    fn find(&self, path: &str) -> Option<&Pattern> {
        let count = path.trim_start_matches('/').split('/').count();
        self.by_len.get(&count)?.iter().find(|p| {
            p.segments
                .iter()
                .zip(path.trim_start_matches('/').split('/'))
                .all(|(want, got)| !got.is_empty() && want.as_deref().is_none_or(|w| w == got))
        })
    }

    /// The pattern `path` falls under, or [`UNMATCHED`].
    pub fn label(&self, path: &str) -> &str {
        self.find(path).map_or(UNMATCHED, |p| p.label.as_str())
    }

    /// The class of the route `path` falls under; a path no route has is
    /// counted with the agents (a flood of them must not take the
    /// operators' small budget).
    pub fn class(&self, path: &str) -> RouteClass {
        self.find(path).map_or(RouteClass::Agent, |p| p.class)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_patterns() {
        let labels = RouteLabels::new(
            [
                "/api/agents/register",
                "/api/agents/{agent_id}/heartbeat",
                "/api/agents/{agent_id}/commands/{command_id}/executed",
                "/api/{kind}",
                "/api/savings",
                "/healthz",
            ]
            .map(|p| (p, RouteClass::Operator)),
        );
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
