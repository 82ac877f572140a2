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

use actix_web::HttpMessage;
use actix_web::dev::ServiceRequest;
use std::collections::HashMap;
use std::sync::Arc;

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
    /// (notices; switch, command and replica reports): a budget of their own
    /// that neither the scheduled calls nor a registration storm can fill,
    /// and the agents' time limit.
    AgentPriority,
    /// Registration (a v4 agent exits when it fails): a budget of its own,
    /// so a whole fleet registering at once cannot hold back a notice.
    AgentRegister,
    /// Operators, the dashboards, the installer and the API documents: a
    /// small budget of their own, so they stay usable during an agent storm.
    Operator,
    /// `/healthz`, `/readyz`, `/metrics`: never refused, so an overloaded
    /// gateway can still be watched.
    Ops,
}

/// The route a request falls under: its label and class. Matched once per
/// request by the outermost layer (`http::trace`) and kept in the request's
/// extensions, where the metrics, admission and timeout layers read it
/// ([`RouteLabels::matched`]) instead of walking the table again.
#[derive(Debug, Clone)]
pub struct Route {
    pub label: Arc<str>,
    pub class: RouteClass,
}

/// One pattern, split into segments; `None` is a `{parameter}`.
#[derive(Debug)]
struct Pattern {
    route: Route,
    segments: Vec<Option<String>>,
}

/// Patterns grouped by their number of segments, most specific first.
#[derive(Debug)]
pub struct RouteLabels {
    by_len: HashMap<usize, Vec<Pattern>>,
    unmatched: Route,
}

impl Default for RouteLabels {
    fn default() -> Self {
        Self::new([])
    }
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
            let route = Route { label: Arc::from(p), class };
            by_len.entry(segments.len()).or_default().push(Pattern { route, segments });
        }
        for list in by_len.values_mut() {
            // Fewer parameters first: `/api/savings` before `/api/{kind}`.
            list.sort_by_key(|p| p.segments.iter().filter(|s| s.is_none()).count());
        }
        Self { by_len, unmatched: Route { label: Arc::from(UNMATCHED), class: RouteClass::Agent } }
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

    /// The route `path` falls under; a path no route has is labelled
    /// [`UNMATCHED`] and counted with the agents (a flood of them must not
    /// take the operators' small budget).
    pub fn route(&self, path: &str) -> &Route {
        self.find(path).map_or(&self.unmatched, |p| &p.route)
    }

    /// The pattern `path` falls under, or [`UNMATCHED`].
    pub fn label(&self, path: &str) -> &str {
        &self.route(path).label
    }

    /// The class of the route `path` falls under.
    pub fn class(&self, path: &str) -> RouteClass {
        self.route(path).class
    }

    /// The request's route: the one the outermost layer stored, else
    /// matched now and stored for the layers inside.
    pub fn matched(&self, req: &ServiceRequest) -> Route {
        if let Some(route) = req.extensions().get::<Route>() {
            return route.clone();
        }
        let route = self.route(req.path()).clone();
        req.extensions_mut().insert(route.clone());
        route
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
