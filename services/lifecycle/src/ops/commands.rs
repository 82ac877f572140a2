//! Commands: queueing a manual switch, handing pending commands to an agent,
//! recording their execution.

use super::Actor;
use crate::error::{LifecycleError, Result};
use crate::events;
use crate::store::agents::{self, AgentRow};
use crate::store::audit::{self, AuditEntry};
use crate::store::commands::{self, CommandRow, NewCommand};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use serde_json::json;
use spot_contracts::v1;
use spot_domain::group::{CommandPriority, CommandStatus, CommandType, command_transition, v4_can_run};
use spot_domain::{AgentId, ClientId, InstanceMode};
use spot_platform::store::enqueue;
use uuid::Uuid;

/// Loads an agent of a tenant or fails with 404.
pub async fn agent_of<C: ConnectionTrait>(conn: &C, client: ClientId, agent: AgentId) -> Result<AgentRow> {
    agents::find(conn, client, agent).await?.ok_or(LifecycleError::NotFound("agent"))
}

/// The agent and the id of its group (404 when either is unknown).
pub async fn group_of<C: ConnectionTrait>(
    conn: &C,
    client: ClientId,
    agent: AgentId,
) -> Result<(AgentRow, Uuid)> {
    let row = agent_of(conn, client, agent).await?;
    let group_id = row.group_id.ok_or(LifecycleError::NotFound("group"))?;
    Ok((row, group_id))
}

/// Validates a pool id `<instance type>.<az>` (e.g. `t3.medium.us-east-1b`).
pub fn parse_pool_id(raw: Option<&str>) -> Result<Option<String>> {
    let Some(pool) = raw.map(str::trim).filter(|p| !p.is_empty()) else { return Ok(None) };
    let valid = pool.len() <= 100
        && pool.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && pool.rsplit_once('.').is_some_and(|(ty, az)| !ty.is_empty() && az.contains('-'));
    if valid {
        Ok(Some(pool.to_owned()))
    } else {
        Err(LifecycleError::invalid(format!("target_pool_id {pool:?} is not <type>.<az>")))
    }
}

async fn notify<C: ConnectionTrait>(conn: &C, client: Uuid, agent: Uuid) -> Result<()> {
    let event = v1::AgentCommandsChanged { meta: Some(events::meta(client, agent, "")) };
    enqueue(conn, crate::SCHEMA, &event).await?;
    Ok(())
}

/// Queues a manual switch (priority 75). A retry with the same request id
/// returns the first command and queues nothing (invariant 9).
pub async fn issue_switch(
    db: &DatabaseConnection,
    client: ClientId,
    agent: AgentId,
    target_mode: &str,
    target_pool_id: Option<&str>,
    actor: &Actor,
) -> Result<(CommandRow, bool)> {
    let mode = InstanceMode::parse(target_mode).map_err(|e| LifecycleError::invalid(e.to_string()))?;
    if actor.request_id.is_empty() {
        return Err(LifecycleError::invalid("a request id (X-Request-ID) is required"));
    }
    let request = QueueRequest {
        command_type: CommandType::Switch,
        priority: CommandPriority::Manual,
        target_mode: Some(mode),
        target_pool_id: target_pool_id.map(str::to_owned),
        deadline: None,
        only_if_typed: false,
    };
    let queued = queue(db, client, agent, request, actor).await?;
    // v4 agents run SWITCH, so a switch is always queued.
    let command = queued.command.ok_or_else(|| LifecycleError::invalid(queued.reason))?;
    Ok((command, queued.created))
}

/// A command another service asks for (emergency, decisions).
#[derive(Debug, Clone)]
pub struct QueueRequest {
    pub command_type: CommandType,
    pub priority: CommandPriority,
    pub target_mode: Option<InstanceMode>,
    pub target_pool_id: Option<String>,
    pub deadline: Option<chrono::DateTime<chrono::Utc>>,
    /// Skip agents that cannot run typed commands (v4).
    pub only_if_typed: bool,
}

/// What happened to a queue request.
#[derive(Debug, Clone)]
pub struct Queued {
    /// The command (also when the request id was seen before).
    pub command: Option<CommandRow>,
    pub created: bool,
    /// Why nothing was queued.
    pub reason: String,
}

/// Queues a command of any type. Idempotent per request id; a command the
/// agent cannot run (anything but SWITCH for v4) is refused, not queued.
pub async fn queue(
    db: &DatabaseConnection,
    client: ClientId,
    agent: AgentId,
    q: QueueRequest,
    actor: &Actor,
) -> Result<Queued> {
    let pool = parse_pool_id(q.target_pool_id.as_deref())?;
    if actor.request_id.is_empty() {
        return Err(LifecycleError::invalid("a request id is required"));
    }
    if q.command_type == CommandType::Switch && q.target_mode.is_none() {
        return Err(LifecycleError::invalid("a SWITCH needs target_mode"));
    }
    let txn = db.begin().await?;
    if let Some(existing) = commands::by_request_id(&txn, client.as_uuid(), &actor.request_id).await? {
        txn.rollback().await?;
        return Ok(Queued { command: Some(existing), created: false, reason: String::new() });
    }
    let (row, group_id) = group_of(&txn, client, agent).await?;
    let typed = row.runs_typed_commands();
    if !typed && (q.only_if_typed || !v4_can_run(q.command_type)) {
        txn.rollback().await?;
        return Ok(Queued {
            command: None,
            created: false,
            reason: format!("agent {} runs only v4 switch commands", row.agent_version),
        });
    }
    let command = NewCommand {
        client_id: client.as_uuid(),
        group_id,
        agent_id: agent.as_uuid(),
        command_type: q.command_type.as_str(),
        priority: q.priority.value(),
        target_mode: q.target_mode.map(|m| m.as_str().to_owned()),
        target_pool_id: pool,
        request_id: actor.request_id.clone(),
        actor: actor.name.clone(),
        pre_state: json!({"instance_id": row.instance.instance_id, "mode": row.instance.mode, "az": row.instance.az, "role": row.role.map(|r| r.as_str())}),
        deadline: q.deadline,
    };
    let (stored, created) = commands::insert_once(&txn, &command).await?;
    if created {
        actor
            .on(client, Some(group_id), agent)
            .record(
                &txn,
                "command_queued",
                Some(command.pre_state.clone()),
                Some(json!({"command_id": stored.id, "type": stored.command_type,
                    "target_mode": stored.target_mode, "target_pool_id": stored.target_pool_id,
                    "priority": stored.priority, "deadline": stored.deadline})),
            )
            .await?;
        notify(&txn, client.as_uuid(), agent.as_uuid()).await?;
        if q.priority == CommandPriority::Emergency {
            // A newer emergency command makes the group's older open switch
            // commands moot (docs/EMERGENCY.md, "Commands that expire").
            let old = commands::supersede_switches(&txn, group_id, stored.id).await?;
            audit_closed(&txn, &old, Some(stored.id), &actor.name).await?;
        }
    }
    txn.commit().await?;
    Ok(Queued { command: Some(stored), created, reason: String::new() })
}

/// Audits commands that closed without running (expired or superseded) and
/// tells gateways to drop the agents' cached command lists.
async fn audit_closed<C: ConnectionTrait>(
    conn: &C,
    closed: &[commands::Closed],
    superseded_by: Option<Uuid>,
    actor: &str,
) -> Result<()> {
    for c in closed {
        let event_type = if superseded_by.is_some() { "command_superseded" } else { "command_expired" };
        audit::record(
            conn,
            &AuditEntry {
                client_id: c.client_id,
                group_id: Some(c.group_id),
                agent_id: Some(c.agent_id),
                event_type,
                pre_state: Some(
                    json!({"command_id": c.id, "status": c.previous_status, "deadline": c.deadline}),
                ),
                post_state: Some(json!({"command_id": c.id, "status": CommandStatus::Expired.as_str(),
                    "superseded_by": superseded_by})),
                actor,
                request_id: Some(&c.request_id),
            },
        )
        .await?;
        notify(conn, c.client_id, c.agent_id).await?;
    }
    Ok(())
}

/// Expires open commands whose deadline passed, audited, in batches of
/// `batch`; returns how many expired. Several replicas may run it at once.
pub async fn expire_due(
    db: &DatabaseConnection,
    now: chrono::DateTime<chrono::Utc>,
    batch: i64,
) -> Result<usize> {
    let txn = db.begin().await?;
    let closed = commands::expire_due(&txn, now, batch).await?;
    audit_closed(&txn, &closed, None, "system").await?;
    txn.commit().await?;
    Ok(closed.len())
}

/// Open commands for an agent; v4 agents only see switch commands. Pending
/// ones become delivered.
pub async fn pending(
    db: &DatabaseConnection,
    client: ClientId,
    agent: AgentId,
) -> Result<(Vec<CommandRow>, bool)> {
    let row = agent_of(db, client, agent).await?;
    let typed = row.runs_typed_commands();
    let open = commands::open_for_agent(db, agent.as_uuid()).await?;
    let visible: Vec<CommandRow> = open
        .into_iter()
        .filter(|c| typed || CommandType::parse(&c.command_type).is_some_and(v4_can_run))
        .collect();
    let fresh: Vec<Uuid> = visible.iter().filter(|c| c.status == "pending").map(|c| c.id).collect();
    commands::mark_delivered(db, &fresh).await?;
    Ok((visible, typed))
}

/// Records a command's execution. Repeating the same result is a no-op; a
/// different result for a finished command is a conflict.
pub async fn executed(
    db: &DatabaseConnection,
    client: ClientId,
    agent: AgentId,
    command_id: Uuid,
    success: bool,
    message: &str,
) -> Result<CommandRow> {
    let txn = db.begin().await?;
    let cmd = commands::lock(&txn, client.as_uuid(), agent.as_uuid(), command_id)
        .await?
        .ok_or(LifecycleError::NotFound("command"))?;
    let from =
        CommandStatus::parse(&cmd.status).ok_or_else(|| LifecycleError::invalid("stored command status"))?;
    let to = if success { CommandStatus::Succeeded } else { CommandStatus::Failed };
    let changed =
        command_transition(from, to).map_err(|e| LifecycleError::conflict(e.code(), e.to_string()))?;
    if changed {
        let message: String = message.chars().take(2000).collect();
        commands::complete(
            &txn,
            cmd.id,
            to.as_str(),
            &message,
            json!({"success": success, "message": message}),
        )
        .await?;
        audit::record(
            &txn,
            &AuditEntry {
                client_id: client.as_uuid(),
                group_id: None,
                agent_id: Some(agent.as_uuid()),
                event_type: "command_executed",
                pre_state: Some(json!({"command_id": cmd.id, "status": cmd.status})),
                post_state: Some(json!({"command_id": cmd.id, "status": to.as_str(), "message": message})),
                actor: &format!("agent:{agent}"),
                request_id: Some(&cmd.request_id),
            },
        )
        .await?;
        notify(&txn, client.as_uuid(), agent.as_uuid()).await?;
        // The command's outcome for other services (decisions links it to a
        // decision through the request id).
        let event = v1::CommandFinished {
            meta: Some(crate::events::meta(client.as_uuid(), agent.as_uuid(), &cmd.request_id)),
            command_id: cmd.id.to_string(),
            command_type: cmd.command_type.clone(),
            status: to.as_str().to_owned(),
            message,
            target_mode: cmd.target_mode.clone().unwrap_or_default(),
            target_pool_id: cmd.target_pool_id.clone().unwrap_or_default(),
        };
        enqueue(&txn, crate::SCHEMA, &event).await?;
    }
    txn.commit().await?;
    Ok(CommandRow { status: to.as_str().to_owned(), result_message: Some(message.to_owned()), ..cmd })
}
