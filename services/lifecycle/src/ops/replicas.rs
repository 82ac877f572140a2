//! Replicas: recording them, status reports, and promotion (one transaction,
//! optimistic version check; a conflict is a 409, never an overwrite).

use super::{Actor, transition};
use crate::error::{LifecycleError, Result};
use crate::store::groups::{self, InstanceDetails};
use crate::store::replicas::{self, NewReplica, ReplicaRow};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use spot_contracts::v1;
use spot_domain::group::{ReplicaStatus, Role, Transition, replica_transition};
use spot_domain::{AgentId, ClientId};
use spot_platform::store::enqueue;
use uuid::Uuid;

/// What the agent reports about a new replica.
#[derive(Debug, Clone)]
pub struct ReplicaReport {
    pub instance_id: String,
    pub replica_type: String,
    pub parent_instance_id: Option<String>,
    pub pool_id: Option<String>,
    pub status: ReplicaStatus,
    pub request_id: Option<String>,
}

fn parse_type(raw: &str) -> Result<String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "" | "manual" => Ok("manual".into()),
        t @ ("emergency" | "prespin") => Ok(t.to_owned()),
        other => Err(LifecycleError::invalid(format!(
            "replica_type must be manual, emergency or prespin, got {other:?}"
        ))),
    }
}

/// Records a replica instance of the agent's group (it becomes a REPLICA).
pub async fn create(
    db: &DatabaseConnection,
    client: ClientId,
    agent: AgentId,
    report: ReplicaReport,
    actor: &Actor,
) -> Result<ReplicaRow> {
    if report.instance_id.trim().is_empty() {
        return Err(LifecycleError::invalid("instance_id is required"));
    }
    let replica_type = parse_type(&report.replica_type)?;
    if report.status.is_terminal() {
        return Err(LifecycleError::invalid("a new replica cannot start as promoted, failed or terminated"));
    }
    let txn = db.begin().await?;
    let (row, group_id) = super::commands::group_of(&txn, client, agent).await?;
    let loaded = groups::lock(&txn, group_id).await?;
    let pool = report.pool_id.clone();
    let details = InstanceDetails {
        az: pool.as_deref().and_then(|p| p.rsplit_once('.')).map(|(_, az)| az.to_owned()).unwrap_or_default(),
        instance_type: pool
            .as_deref()
            .and_then(|p| p.rsplit_once('.'))
            .map(|(t, _)| t.to_owned())
            .unwrap_or_default(),
        region: row.instance.region.clone(),
        mode: "spot".into(),
        pool_id: pool,
        ..Default::default()
    };
    transition::run(
        &txn,
        &loaded,
        &Transition::AddReplica { instance_id: report.instance_id.clone() },
        &details,
        actor,
        "replica_reported",
    )
    .await?;
    let (stored, created) = replicas::insert_once(
        &txn,
        &NewReplica {
            group_id,
            agent_id: agent.as_uuid(),
            instance_id: report.instance_id,
            parent_instance_id: report.parent_instance_id,
            replica_type,
            pool_id: report.pool_id,
            status: report.status,
            request_id: report.request_id,
        },
    )
    .await?;
    let stored = replicas::get(&txn, group_id, stored.id).await?.unwrap_or(stored);
    if created {
        announce(&txn, client, agent, &stored).await?;
    }
    txn.commit().await?;
    Ok(stored)
}

/// Publishes the replica's new state (emergency promotes ready replicas
/// and learns boot times from these).
async fn announce<C: ConnectionTrait>(
    conn: &C,
    client: ClientId,
    agent: AgentId,
    r: &ReplicaRow,
) -> Result<()> {
    let event = v1::ReplicaChanged {
        meta: Some(crate::events::meta(client.as_uuid(), agent.as_uuid(), "")),
        replica: Some(crate::grpc::convert::replica(r)),
    };
    enqueue(conn, crate::SCHEMA, &event).await?;
    Ok(())
}

/// Replicas of the agent's group.
pub async fn list(db: &DatabaseConnection, client: ClientId, agent: AgentId) -> Result<Vec<ReplicaRow>> {
    let (_, group_id) = super::commands::group_of(db, client, agent).await?;
    replicas::list(db, group_id).await
}

/// A status report for a replica; failed or terminated replicas leave the group.
pub async fn update_status(
    db: &DatabaseConnection,
    client: ClientId,
    agent: AgentId,
    replica_id: Uuid,
    status: ReplicaStatus,
    actor: &Actor,
) -> Result<ReplicaRow> {
    let txn = db.begin().await?;
    let (group_id, loaded) = super::lock_group_of(&txn, client, agent).await?;
    let replica = replicas::require(&txn, group_id, replica_id).await?;
    let changed = replica_transition(replica.status, status)
        .map_err(|e| LifecycleError::conflict(e.code(), e.to_string()))?;
    if changed {
        replicas::set_status(&txn, replica_id, status).await?;
        if matches!(status, ReplicaStatus::Failed | ReplicaStatus::Terminated)
            && let Some(instance) = replica.instance_id.clone()
            && loaded.group.instance(&instance).is_some_and(|i| i.role == Role::Replica)
        {
            transition::run(
                &txn,
                &loaded,
                &Transition::TerminateInstance { instance_id: instance },
                &InstanceDetails::default(),
                actor,
                "replica_gone",
            )
            .await?;
        }
    }
    let stored = replicas::require(&txn, group_id, replica_id).await?;
    if changed {
        announce(&txn, client, agent, &stored).await?;
    }
    txn.commit().await?;
    Ok(stored)
}

/// Outcome of a promotion.
#[derive(Debug, Clone)]
pub struct Promoted {
    pub replica: ReplicaRow,
    pub new_primary: String,
    pub old_primary: Option<(String, Role)>,
    pub group_version: i64,
}

/// Promotes a ready replica to PRIMARY and demotes the current PRIMARY, in
/// one transaction. `expected_version` (the group version the caller saw)
/// makes a stale promotion fail with 409.
pub async fn promote(
    db: &DatabaseConnection,
    client: ClientId,
    agent: AgentId,
    replica_id: Uuid,
    expected_version: Option<i64>,
    actor: &Actor,
) -> Result<Promoted> {
    let txn = db.begin().await?;
    let (group_id, loaded) = super::lock_group_of(&txn, client, agent).await?;
    let replica = replicas::require(&txn, group_id, replica_id).await?;
    let status = replica.status;
    if status != ReplicaStatus::Ready {
        return Err(LifecycleError::Conflict {
            code: "replica_not_ready",
            message: format!("replica is {}, only a ready replica can be promoted", status.as_str()),
        });
    }
    let instance = replica.instance_id.clone().ok_or(LifecycleError::NotFound("replica instance"))?;
    let old_primary = loaded.group.primary().map(|p| p.instance_id.clone());
    let transition = Transition::Promote { instance_id: instance.clone(), expected_version };
    let outcome =
        transition::run(&txn, &loaded, &transition, &InstanceDetails::default(), actor, "promotion").await?;
    replicas::set_status(&txn, replica_id, ReplicaStatus::Promoted).await?;
    let stored = replicas::require(&txn, group_id, replica_id).await?;
    announce(&txn, client, agent, &stored).await?;
    txn.commit().await?;
    let old = old_primary.and_then(|id| outcome.group.instance(&id).map(|i| (id.clone(), i.role)));
    Ok(Promoted {
        replica: stored,
        new_primary: instance,
        old_primary: old,
        group_version: outcome.group.version,
    })
}
