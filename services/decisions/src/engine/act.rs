//! Acting on accepted switches: one lifecycle switch command per decision,
//! priority 25 (model), `request_id` = the decision id, so a retry after a
//! crash or by another replica never queues a second command. A switch is
//! never stacked on an open command of the group (an emergency one
//! included): that is checked against lifecycle's own queue right before.

use super::Engine;
use crate::events;
use crate::store::decisions::{self, Queueing};
use chrono::Utc;
use sea_orm::{DbErr, TransactionTrait};
use serde_json::json;
use spot_contracts::v1;
use spot_domain::CommandPriority;
use spot_platform::store::enqueue;
use uuid::Uuid;

/// Queues the commands of `queueing` decisions (`ids` None: every one
/// left over for 30 s, e.g. after a crash). Returns how many were queued.
pub async fn queue_commands(engine: &Engine, ids: Option<&[Uuid]>) -> Result<usize, DbErr> {
    let before = match ids {
        Some(_) => Utc::now() + chrono::Duration::hours(1),
        None => Utc::now() - chrono::Duration::seconds(30),
    };
    let rows = decisions::queueing(&engine.db, ids, before, 500).await?;
    let mut queued = 0;
    for q in rows {
        match queue_one(engine, &q).await {
            Ok(true) => queued += 1,
            Ok(false) => {}
            // Left `queueing`: the next sweep retries with the same request id.
            Err(e) => tracing::warn!(decision = %q.id, error = %e, "switch command not queued yet"),
        }
    }
    Ok(queued)
}

enum Outcome {
    Queued(Option<Uuid>),
    Refused(String),
    Busy(String),
}

async fn open_command(engine: &Engine, q: &Queueing) -> Result<Option<String>, tonic::Status> {
    for status in ["pending", "delivered"] {
        let r = engine
            .lifecycle
            .clone()
            .list_records(v1::ListRecordsRequest {
                client_id: q.client_id.to_string(),
                kind: "commands".into(),
                limit: 1,
                after: None,
                group_id: Some(q.group_id.to_string()),
                agent_id: None,
                role: None,
                status: Some(status.into()),
            })
            .await?
            .into_inner();
        if let Some(item) = r.items_json.into_iter().next() {
            return Ok(Some(item));
        }
    }
    Ok(None)
}

async fn queue_one(engine: &Engine, q: &Queueing) -> Result<bool, String> {
    let outcome = match q.agent_id {
        None => Outcome::Refused("PRIMARY agent unknown".into()),
        Some(agent) => match open_command(engine, q).await.map_err(|s| s.to_string())? {
            Some(cmd) => Outcome::Busy(cmd),
            None => {
                let req = v1::QueueCommandRequest {
                    agent: Some(v1::AgentRef {
                        client_id: q.client_id.to_string(),
                        agent_id: agent.to_string(),
                    }),
                    command_type: "SWITCH".into(),
                    priority: CommandPriority::Model.value(),
                    target_mode: q.target_mode.clone(),
                    target_pool_id: q.target_pool_id.clone(),
                    deadline: None,
                    request_id: q.id.to_string(),
                    actor: format!("model:{}", q.model),
                    only_if_typed: false,
                };
                match engine.lifecycle.clone().queue_command(req).await {
                    Ok(r) => {
                        let r = r.into_inner();
                        match (r.queued || r.command.is_some(), r.command) {
                            (true, c) => Outcome::Queued(c.and_then(|c| Uuid::parse_str(&c.id).ok())),
                            (false, _) => Outcome::Refused(r.reason),
                        }
                    }
                    Err(s) if matches!(s.code(), tonic::Code::InvalidArgument | tonic::Code::NotFound) => {
                        Outcome::Refused(s.message().to_owned())
                    }
                    Err(s) => return Err(s.to_string()),
                }
            }
        },
    };
    let txn = engine.db.begin().await.map_err(|e| e.to_string())?;
    let (changed, acted, command) = match &outcome {
        Outcome::Queued(c) => (decisions::command_result(&txn, q.id, "queued", *c, None).await, true, *c),
        Outcome::Refused(why) => {
            (decisions::command_result(&txn, q.id, "refused", None, Some(why)).await, false, None)
        }
        Outcome::Busy(cmd) => {
            let verdict = json!({"rule": "command_pending", "passed": false,
                                 "reason": format!("lifecycle holds an open command: {cmd}")});
            (decisions::block_late(&txn, q.id, verdict).await, false, None)
        }
    };
    if !changed.map_err(|e| e.to_string())? {
        txn.rollback().await.map_err(|e| e.to_string())?;
        return Ok(false);
    }
    if let Some(d) = decisions::load(&txn, q.id).await.map_err(|e| e.to_string())? {
        enqueue(&txn, crate::SCHEMA, &events::made(&d, acted, command)).await.map_err(|e| e.to_string())?;
    }
    txn.commit().await.map_err(|e| e.to_string())?;
    if acted {
        tracing::info!(decision = %q.id, pool = ?q.target_pool_id, "switch command queued");
    }
    Ok(acted)
}
