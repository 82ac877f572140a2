//! Reading `GET /pending-commands` the way each flavour does: v4 takes the
//! first entry with an `id` and a `target_mode` and treats it as a switch;
//! typed agents also run `command_type` CREATE_REPLICA, PROMOTE_REPLICA,
//! TERMINATE_INSTANCE and CLEANUP.

use super::spec::{Flavour, InstanceFacts};
use crate::cloud::{Market, PoolId};
use serde_json::Value;

/// What a command asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKind {
    /// Move to another instance (the only kind v4 runs).
    Switch,
    /// Launch a replica.
    CreateReplica,
    /// Promote a replica.
    PromoteReplica,
    /// Terminate an instance.
    TerminateInstance,
    /// Run cleanup and report it.
    Cleanup,
}

/// A command the agent will run.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// Command id (for `executed`).
    pub id: String,
    /// Kind.
    pub kind: CommandKind,
    /// `spot` or `ondemand` (switches).
    pub target_mode: Option<String>,
    /// Target pool, when given and well-formed.
    pub target_pool: Option<PoolId>,
    /// Priority (>= 50 labels a switch `manual`).
    pub priority: i64,
    /// Replica to act on (typed PROMOTE_REPLICA).
    pub replica_id: Option<String>,
    /// Instance to act on (typed TERMINATE_INSTANCE).
    pub instance_id: Option<String>,
    /// Whether to terminate the old instance after a switch, if the command says.
    pub auto_terminate: Option<bool>,
}

impl Command {
    /// The switch report's `trigger`.
    pub fn trigger(&self) -> &'static str {
        if self.priority >= 50 { "manual" } else { "model" }
    }
}

/// The entries of a pending-commands answer: a bare list, or an object with
/// `commands` (or `pending_commands`, `data`), as v4 accepts.
pub fn entries(answer: &Value) -> &[Value] {
    match answer {
        Value::Array(list) => list,
        Value::Object(map) => ["commands", "pending_commands", "data"]
            .iter()
            .find_map(|k| map.get(*k).and_then(Value::as_array))
            .map_or(&[], Vec::as_slice),
        _ => &[],
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn kind_of(entry: &Value, flavour: Flavour) -> Option<CommandKind> {
    let declared = text(entry.get("command_type")).map(|s| s.to_ascii_uppercase());
    let has_mode = text(entry.get("target_mode")).is_some();
    match (flavour, declared.as_deref()) {
        // v4 ignores command_type: anything with a target_mode is a switch.
        (Flavour::V4, _) | (Flavour::Typed, None | Some("SWITCH")) => has_mode.then_some(CommandKind::Switch),
        (Flavour::Typed, Some("CREATE_REPLICA")) => Some(CommandKind::CreateReplica),
        (Flavour::Typed, Some("PROMOTE_REPLICA")) => Some(CommandKind::PromoteReplica),
        (Flavour::Typed, Some("TERMINATE_INSTANCE")) => Some(CommandKind::TerminateInstance),
        (Flavour::Typed, Some("CLEANUP")) => Some(CommandKind::Cleanup),
        (Flavour::Typed, Some(_)) => None,
    }
}

/// The first command this flavour can run, if any (v4 runs one per poll).
pub fn first_runnable(answer: &Value, flavour: Flavour) -> Option<Command> {
    entries(answer).iter().find_map(|entry| {
        entry.as_object()?;
        let id = text(entry.get("id"))?;
        let kind = kind_of(entry, flavour)?;
        let auto_terminate = entry
            .get("auto_terminate")
            .and_then(Value::as_bool)
            .or_else(|| entry.get("terminate_wait_seconds").and_then(Value::as_f64).map(|w| w > 0.0));
        Some(Command {
            id,
            kind,
            target_mode: text(entry.get("target_mode")),
            target_pool: text(entry.get("target_pool_id")).and_then(|p| PoolId::parse(&p)),
            priority: entry.get("priority").and_then(Value::as_f64).map_or(0, |p| p as i64),
            replica_id: text(entry.get("replica_id")),
            instance_id: text(entry.get("instance_id")),
            auto_terminate,
        })
    })
}

/// Where a switch goes, as v4 decides it: spot with a pool launches spot in
/// that pool's AZ (only the AZ part is used, the type stays); anything else,
/// including spot without a pool, launches on-demand in the current AZ.
pub fn switch_target(
    target_mode: Option<&str>,
    pool: Option<&PoolId>,
    own: &InstanceFacts,
) -> (Market, String) {
    match (target_mode.and_then(Market::parse), pool) {
        (Some(Market::Spot), Some(p)) => (Market::Spot, p.az.clone()),
        _ => (Market::OnDemand, own.az.clone()),
    }
}
