//! The group a notice is about, from emergency's own projection, and the
//! one thing at a time lifecycle is asked to do for it (queue a command).
//! Lifecycle is read only when the projection has not seen the agent yet
//! (its registration event is still on the way); that read also fills the
//! projection, and answers 404 for unknown or foreign agents.

use super::{Emergency, uuid};
use crate::error::Result;
use crate::store::projection::{self, GroupAgent, GroupReplica};
use chrono::{DateTime, Utc};
use spot_contracts::v1;
use spot_domain::emergency::Target;
use spot_domain::group::{CommandPriority, CommandType};
use uuid::Uuid;

/// `<type>.<az>` of a lifecycle agent record (spot only).
fn pool_of(a: &v1::AgentRecord) -> Option<String> {
    let i = a.instance.as_ref()?;
    let spot = i.mode != v1::InstanceMode::OnDemand as i32;
    (spot && !i.instance_type.is_empty() && !i.az.is_empty()).then(|| format!("{}.{}", i.instance_type, i.az))
}

impl Emergency {
    /// The agent from the projection, else from lifecycle (then recorded).
    pub async fn group_agent(&self, client: Uuid, agent: Uuid) -> Result<GroupAgent> {
        if let Some(a) = projection::agent(&self.db, client, agent).await? {
            return Ok(a);
        }
        self.rpc("get_agent");
        let record = self.lifecycle.agent(client, agent).await?;
        let group = uuid(&record.group_id, "group")?;
        let a = GroupAgent {
            agent_id: agent,
            client_id: client,
            group_id: group,
            instance_id: record.instance.as_ref().map(|i| i.instance_id.clone()).unwrap_or_default(),
            pool_id: pool_of(&record),
            typed: record.typed_commands,
        };
        projection::upsert_agent(&self.db, &a).await?;
        // The group's replicas may be unseen as well.
        self.rpc("list_replicas");
        for r in self.lifecycle.replicas(client, agent).await? {
            let Ok(id) = Uuid::parse_str(&r.replica_id) else { continue };
            let row = GroupReplica::reported(id, group, &r);
            let at = super::from_ts(&r.created_at).unwrap_or_else(Utc::now);
            projection::upsert_replica(&self.db, &row, at).await?;
        }
        Ok(a)
    }

    /// Queues one priority-100 command for a placement step: SWITCH for v4
    /// (the only thing it runs), CREATE_REPLICA for typed agents. Returns
    /// the command id, `None` when lifecycle did not queue it.
    pub async fn queue_step(
        &self,
        client: Uuid,
        agent: Uuid,
        typed: bool,
        target: &Target,
        deadline: DateTime<Utc>,
        request_id: String,
    ) -> Result<Option<Uuid>> {
        let kind = if typed { CommandType::CreateReplica } else { CommandType::Switch };
        self.queue_command(
            client,
            agent,
            kind,
            CommandPriority::Emergency,
            target,
            Some(deadline),
            request_id,
        )
        .await
    }

    /// Queues one command (idempotent per request id).
    #[allow(clippy::too_many_arguments)]
    pub async fn queue_command(
        &self,
        client: Uuid,
        agent: Uuid,
        kind: CommandType,
        priority: CommandPriority,
        target: &Target,
        deadline: Option<DateTime<Utc>>,
        request_id: String,
    ) -> Result<Option<Uuid>> {
        self.rpc("queue_command");
        let queued = self
            .lifecycle
            .queue(v1::QueueCommandRequest {
                agent: Some(crate::lifecycle::agent_ref(client, agent)),
                command_type: kind.as_str().into(),
                priority: priority.value(),
                target_mode: Some(target.mode().into()),
                target_pool_id: target.pool().map(str::to_owned),
                deadline: deadline.map(super::ts),
                request_id,
                actor: "emergency".into(),
                only_if_typed: kind != CommandType::Switch,
            })
            .await?;
        if queued.command.is_none() {
            tracing::warn!(%agent, reason = %queued.reason, "lifecycle did not queue the command");
        }
        Ok(queued.command.as_ref().and_then(|c| Uuid::parse_str(&c.id).ok()))
    }
}

/// A replica row as the promotion code takes it.
pub fn replica_record(r: &GroupReplica) -> v1::ReplicaRecord {
    v1::ReplicaRecord {
        replica_id: r.replica_id.to_string(),
        group_id: r.group_id.to_string(),
        instance_id: r.instance_id.clone().unwrap_or_default(),
        pool_id: r.pool_id.clone().unwrap_or_default(),
        status: r.status.clone(),
        role: "REPLICA".into(),
        ..v1::ReplicaRecord::default()
    }
}
