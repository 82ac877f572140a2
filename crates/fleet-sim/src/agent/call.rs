//! One HTTP call an agent wants made ([`Call`]) and what came back
//! ([`Answer`]). Agents never do I/O themselves: they return calls and are
//! fed answers, which keeps their decisions testable as pure functions.

use serde_json::Value;
use std::time::Duration;

/// HTTP method (agents only use these two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET (still sent with `Content-Type: application/json`, like v4).
    Get,
    /// POST with a JSON body.
    Post,
}

impl Method {
    /// `"GET"` or `"POST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// Every endpoint an agent calls; the label is used for per-endpoint stats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    /// `POST /api/agents/register`
    Register,
    /// `POST /api/agents/{id}/heartbeat`
    Heartbeat,
    /// `GET /api/agents/{id}/config`
    Config,
    /// `GET /api/agents/{id}/pending-commands`
    PendingCommands,
    /// `POST /api/agents/{id}/commands/{cid}/executed`
    CommandExecuted,
    /// `POST /api/agents/{id}/switch-report`
    SwitchReport,
    /// `POST /api/agents/{id}/replicas`
    ReplicaCreate,
    /// `GET /api/agents/{id}/replicas`
    ReplicaList,
    /// `POST /api/agents/{id}/replicas/{rid}/status`
    ReplicaStatus,
    /// `POST /api/agents/{id}/replicas/{rid}/promote`
    ReplicaPromote,
    /// `GET /api/agents/{id}/replica-config`
    ReplicaConfig,
    /// `POST /api/agents/{id}/pricing-report`
    PricingReport,
    /// `POST /api/agents/{id}/cleanup-report`
    CleanupReport,
    /// `POST /api/agents/{id}/termination-imminent` (v4)
    TerminationImminent,
    /// `POST /api/agents/{id}/rebalance-recommendation` (v4)
    RebalanceRecommendation,
    /// `POST /api/agents/{id}/create-emergency-replica`
    CreateEmergencyReplica,
    /// `POST /api/agents/{id}/termination-notice` (typed)
    TerminationNotice,
    /// `POST /api/agents/{id}/rebalance-notice` (typed)
    RebalanceNotice,
    /// `GET /api/agents/{id}/emergency-status` (typed)
    EmergencyStatus,
}

impl Endpoint {
    /// Every endpoint, in a stable order.
    pub const ALL: [Endpoint; 19] = [
        Endpoint::Register,
        Endpoint::Heartbeat,
        Endpoint::Config,
        Endpoint::PendingCommands,
        Endpoint::CommandExecuted,
        Endpoint::SwitchReport,
        Endpoint::ReplicaCreate,
        Endpoint::ReplicaList,
        Endpoint::ReplicaStatus,
        Endpoint::ReplicaPromote,
        Endpoint::ReplicaConfig,
        Endpoint::PricingReport,
        Endpoint::CleanupReport,
        Endpoint::TerminationImminent,
        Endpoint::RebalanceRecommendation,
        Endpoint::CreateEmergencyReplica,
        Endpoint::TerminationNotice,
        Endpoint::RebalanceNotice,
        Endpoint::EmergencyStatus,
    ];

    /// Position in [`Endpoint::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// A short stable label, e.g. `pending-commands`.
    pub fn label(self) -> &'static str {
        match self {
            Endpoint::Register => "register",
            Endpoint::Heartbeat => "heartbeat",
            Endpoint::Config => "config",
            Endpoint::PendingCommands => "pending-commands",
            Endpoint::CommandExecuted => "executed",
            Endpoint::SwitchReport => "switch-report",
            Endpoint::ReplicaCreate => "replicas-create",
            Endpoint::ReplicaList => "replicas-list",
            Endpoint::ReplicaStatus => "replica-status",
            Endpoint::ReplicaPromote => "replica-promote",
            Endpoint::ReplicaConfig => "replica-config",
            Endpoint::PricingReport => "pricing-report",
            Endpoint::CleanupReport => "cleanup-report",
            Endpoint::TerminationImminent => "termination-imminent",
            Endpoint::RebalanceRecommendation => "rebalance-recommendation",
            Endpoint::CreateEmergencyReplica => "create-emergency-replica",
            Endpoint::TerminationNotice => "termination-notice",
            Endpoint::RebalanceNotice => "rebalance-notice",
            Endpoint::EmergencyStatus => "emergency-status",
        }
    }
}

/// Which piece of agent work a call belongs to, so its answer goes back there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Purpose {
    /// A periodic task or registration.
    #[default]
    Routine,
    /// The command (switch, replica, ...) being executed.
    Command,
    /// The emergency replica launched after a termination notice.
    Emergency,
    /// The last heartbeat before the process exits.
    Shutdown,
}

/// An HTTP call: path relative to the server root, JSON body for POSTs.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    /// What is called.
    pub endpoint: Endpoint,
    /// GET or POST.
    pub method: Method,
    /// e.g. `/api/agents/<id>/heartbeat`.
    pub path: String,
    /// JSON body (POSTs).
    pub body: Option<Value>,
    /// `X-Request-ID` header (typed agents, on writes).
    pub request_id: Option<String>,
    /// Which agent work the answer belongs to.
    pub purpose: Purpose,
}

impl Call {
    pub(crate) fn get(endpoint: Endpoint, path: String) -> Self {
        Call { endpoint, method: Method::Get, path, body: None, request_id: None, purpose: Purpose::Routine }
    }

    pub(crate) fn post(endpoint: Endpoint, path: String, body: Value) -> Self {
        Call {
            endpoint,
            method: Method::Post,
            path,
            body: Some(body),
            request_id: None,
            purpose: Purpose::Routine,
        }
    }

    /// The same call tagged with a purpose.
    pub fn for_purpose(mut self, purpose: Purpose) -> Self {
        self.purpose = purpose;
        self
    }

    /// The same call with an `X-Request-ID`.
    pub fn with_request_id(mut self, id: String) -> Self {
        self.request_id = Some(id);
        self
    }
}

/// Why a call counts as failed for the agent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// A non-2xx status.
    Status(u16),
    /// Connection error or timeout.
    Transport,
    /// 2xx but the body was empty or not JSON.
    NotJson(u16),
}

/// The outcome of a call and how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The JSON body, or why it failed.
    pub result: Result<Value, Failure>,
    /// Round-trip time.
    pub latency: Duration,
}

impl Answer {
    /// A successful answer (for tests and the driver).
    pub fn ok(body: Value) -> Self {
        Answer { result: Ok(body), latency: Duration::ZERO }
    }

    /// A failed answer.
    pub fn failed(why: Failure) -> Self {
        Answer { result: Err(why), latency: Duration::ZERO }
    }
}

/// Python truthiness, which is how v4 reads flags like `create_emergency_replica`.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use serde_json::json;

    #[test]
    fn endpoints_index_their_table() {
        for (i, e) in Endpoint::ALL.iter().enumerate() {
            assert_eq!(e.index(), i);
        }
    }

    #[test]
    fn truthiness_matches_python() {
        for v in [json!(true), json!(1), json!("yes"), json!([0]), json!({"a": 1})] {
            assert!(truthy(&v), "{v}");
        }
        for v in [json!(null), json!(false), json!(0), json!(0.0), json!(""), json!([]), json!({})] {
            assert!(!truthy(&v), "{v}");
        }
    }
}
