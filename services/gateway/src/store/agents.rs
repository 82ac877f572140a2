//! The agent -> tenant map every agent call is checked against, with an
//! in-memory cache (agents never change tenant; a deleted agent is dropped
//! from every replica's cache by an announcement, `crate::invalidation`).

use super::sql;
use crate::cache::{shrink_if_sparse, stamp};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, FromQueryResult};
use spot_domain::{AgentId, ClientId};
use spot_platform::store::{GroupCommit, GroupCommitError, batch};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// A new agent of a tenant, as registration records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgent {
    pub agent: AgentId,
    pub tenant: ClientId,
    pub logical_agent_id: String,
}

/// Records new agents in one statement (a batch of [`Registrations`] is at
/// most `MAX_BATCH` rows, far below Postgres' bind-parameter limit).
async fn insert_all<C: ConnectionTrait>(conn: &C, agents: &[NewAgent]) -> Result<(), DbErr> {
    const COLS: usize = 3;
    let values = agents.iter().flat_map(|a| {
        [a.agent.as_uuid().into(), a.tenant.as_uuid().into(), a.logical_agent_id.as_str().into()]
    });
    conn.execute_raw(sql(
        format!(
            "INSERT INTO gateway.agents (agent_id, tenant_id, logical_agent_id) VALUES {}
             ON CONFLICT (agent_id) DO NOTHING",
            batch::values_placeholders(COLS, agents.len())
        ),
        values,
    ))
    .await?;
    Ok(())
}

// A full batch fits one statement (checked when compiling).
const _: () = assert!(Registrations::MAX_BATCH * 3 <= batch::MAX_PARAMS);

/// Group commit of registrations' agent rows: one commit and one pooled
/// connection for every registration that arrived while the last batch was
/// being written, instead of one each (docs/BENCHMARKS.md, "Storms").
#[derive(Debug, Clone)]
pub struct Registrations(GroupCommit<NewAgent>);

impl Registrations {
    /// Rows per statement at the most (3 parameters each).
    const MAX_BATCH: usize = 512;

    /// Starts the writer on `db` (inside the runtime).
    pub fn spawn(db: DatabaseConnection) -> Self {
        Self(GroupCommit::spawn(Self::MAX_BATCH, Self::MAX_BATCH * 4, move |rows: Vec<NewAgent>| {
            let db = db.clone();
            async move { insert_all(&db, &rows).await }
        }))
    }

    /// Records `agent` and returns once its row is committed.
    pub async fn record(&self, agent: NewAgent) -> Result<(), GroupCommitError> {
        self.0.write(agent).await
    }
}

/// Owner of an agent, if known.
pub async fn owner<C: ConnectionTrait>(conn: &C, agent: AgentId) -> Result<Option<ClientId>, DbErr> {
    #[derive(FromQueryResult)]
    struct Owner {
        tenant_id: uuid::Uuid,
    }
    let row = Owner::find_by_statement(sql(
        "SELECT tenant_id FROM gateway.agents WHERE agent_id = $1 AND deleted_at IS NULL",
        [agent.as_uuid().into()],
    ))
    .one(conn)
    .await?;
    Ok(row.map(|o| ClientId::from_uuid(o.tenant_id)))
}

/// Marks a tenant's agent deleted (idempotent); false when it is not theirs.
pub async fn mark_deleted<C: ConnectionTrait>(
    conn: &C,
    agent: AgentId,
    tenant: ClientId,
) -> Result<bool, DbErr> {
    let done = conn
        .execute_raw(sql(
            "UPDATE gateway.agents SET deleted_at = COALESCE(deleted_at, now())
              WHERE agent_id = $1 AND tenant_id = $2",
            [agent.as_uuid().into(), tenant.as_uuid().into()],
        ))
        .await?;
    Ok(done.rows_affected() > 0)
}

/// True once for a deleted agent of the tenant: its first `GET /config`
/// after the deletion, answered `enabled: false`; every later call is 404.
pub async fn farewell<C: ConnectionTrait>(conn: &C, agent: AgentId, tenant: ClientId) -> Result<bool, DbErr> {
    let done = conn
        .execute_raw(sql(
            "UPDATE gateway.agents SET farewell_at = now()
              WHERE agent_id = $1 AND tenant_id = $2 AND deleted_at IS NOT NULL AND farewell_at IS NULL",
            [agent.as_uuid().into(), tenant.as_uuid().into()],
        ))
        .await?;
    Ok(done.rows_affected() > 0)
}

#[derive(Debug)]
struct Owner {
    tenant: ClientId,
    used: AtomicU64,
}

/// Cached agent ownership, read through to `gateway.agents`. Agents not
/// seen for a while are dropped by [`AgentDirectory::sweep`] (every v4
/// restart mints a new agent id, so the old ones would pile up).
#[derive(Debug, Clone)]
pub struct AgentDirectory {
    owners: Arc<RwLock<HashMap<AgentId, Owner>>>,
    born: Instant,
}

impl Default for AgentDirectory {
    fn default() -> Self {
        Self { owners: Arc::default(), born: Instant::now() }
    }
}

impl AgentDirectory {
    /// Remembers an owner.
    pub fn remember(&self, agent: AgentId, tenant: ClientId) {
        if let Ok(mut map) = self.owners.write() {
            map.insert(agent, Owner { tenant, used: AtomicU64::new(stamp(self.born)) });
        }
    }

    /// Agents remembered.
    pub fn len(&self) -> usize {
        self.owners.read().map_or(0, |m| m.len())
    }

    /// True when no agent is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets agents not looked up for `idle` (a later call reads them again).
    pub fn sweep(&self, idle: Duration) {
        if let Ok(mut map) = self.owners.write() {
            let now = stamp(self.born);
            map.retain(|_, o| now.saturating_sub(o.used.load(Ordering::Relaxed)) < idle.as_secs());
            shrink_if_sparse(&mut map);
        }
    }

    /// Forgets an agent (it was deleted; announced to every replica).
    pub fn forget(&self, agent: AgentId) {
        if let Ok(mut map) = self.owners.write() {
            map.remove(&agent);
        }
    }

    /// True when `agent` belongs to `tenant` (unknown agents and other
    /// tenants' agents look the same to the caller: not found).
    pub async fn belongs_to(
        &self,
        db: &DatabaseConnection,
        agent: AgentId,
        tenant: ClientId,
    ) -> Result<bool, DbErr> {
        let cached = self.owners.read().ok().and_then(|m| {
            m.get(&agent).map(|o| {
                o.used.store(stamp(self.born), Ordering::Relaxed);
                o.tenant
            })
        });
        if let Some(owner) = cached {
            return Ok(owner == tenant);
        }
        match owner(db, agent).await? {
            Some(owner) => {
                self.remember(agent, owner);
                Ok(owner == tenant)
            }
            None => Ok(false),
        }
    }
}
