//! Groups and their instances: loading a group under a row lock into the
//! domain model, and writing a transition's outcome back with optimistic
//! version checks (a mismatch means someone else changed it: a conflict).

use super::{IdRow, sql as stmt};
use crate::error::{LifecycleError, Result};
use sea_orm::{ConnectionTrait, FromQueryResult};
use spot_domain::ClientId;
use spot_domain::group::{Group, GroupSettings, Instance, Outcome, Role};
use uuid::Uuid;

/// A group row with its id and key.
#[derive(Debug, Clone)]
pub struct LoadedGroup {
    pub id: Uuid,
    pub client_id: Uuid,
    pub logical_agent_id: String,
    pub group: Group,
}

/// Where an instance runs, kept when an instance is first recorded.
#[derive(Debug, Clone, Default)]
pub struct InstanceDetails {
    pub instance_type: String,
    pub region: String,
    pub az: String,
    pub ami_id: String,
    pub mode: String,
    pub pool_id: Option<String>,
}

/// The group row `lock` reads.
#[derive(Debug, FromQueryResult)]
struct GroupRow {
    client_id: Uuid,
    logical_agent_id: String,
    auto_switch: bool,
    manual_replica: bool,
    auto_terminate: bool,
    terminate_wait_seconds: i32,
    min_savings_percent: f64,
    max_switches_per_week: i32,
    min_pool_duration_hours: i32,
    availability_target_percent: f64,
    version: i64,
}

/// An instance row, its role parsed by the domain.
#[derive(Debug, FromQueryResult)]
struct InstanceRow {
    instance_id: String,
    role: Role,
    version: i64,
}

/// Returns the group id for (tenant, logical id), creating the group.
pub async fn ensure<C: ConnectionTrait>(conn: &C, client: ClientId, logical: &str) -> Result<Uuid> {
    let row = IdRow::find_by_statement(stmt(
        "INSERT INTO lifecycle.groups (id, client_id, logical_agent_id) VALUES ($1, $2, $3)
         ON CONFLICT (client_id, logical_agent_id) DO UPDATE SET updated_at = lifecycle.groups.updated_at
         RETURNING id",
        [Uuid::now_v7().into(), client.as_uuid().into(), logical.into()],
    ))
    .one(conn)
    .await?
    .ok_or(LifecycleError::NotFound("group"))?;
    Ok(row.id)
}

/// Locks the group row for the rest of the transaction and loads it.
pub async fn lock<C: ConnectionTrait>(conn: &C, group_id: Uuid) -> Result<LoadedGroup> {
    let g = GroupRow::find_by_statement(stmt(
        "SELECT client_id, logical_agent_id, auto_switch, manual_replica, auto_terminate, terminate_wait_seconds,
                min_savings_percent, max_switches_per_week, min_pool_duration_hours, availability_target_percent, version
         FROM lifecycle.groups WHERE id = $1 FOR UPDATE",
        [group_id.into()],
    ))
    .one(conn)
    .await?
    .ok_or(LifecycleError::NotFound("group"))?;
    let instances = InstanceRow::find_by_statement(stmt(
        "SELECT instance_id, role, version FROM lifecycle.instances WHERE group_id = $1 ORDER BY created_at, instance_id",
        [group_id.into()],
    ))
    .all(conn)
    .await?
    .into_iter()
    .map(|r| Instance { instance_id: r.instance_id, role: r.role, version: r.version })
    .collect();
    let settings = GroupSettings {
        auto_switch: g.auto_switch,
        manual_replica: g.manual_replica,
        auto_terminate: g.auto_terminate,
        terminate_wait_seconds: g.terminate_wait_seconds,
        min_savings_percent: g.min_savings_percent,
        max_switches_per_week: g.max_switches_per_week,
        min_pool_duration_hours: g.min_pool_duration_hours,
        availability_target_percent: g.availability_target_percent,
    };
    Ok(LoadedGroup {
        id: group_id,
        client_id: g.client_id,
        logical_agent_id: g.logical_agent_id,
        group: Group { version: g.version, settings, instances },
    })
}

fn conflict(what: &str) -> LifecycleError {
    LifecycleError::Conflict {
        code: "version_conflict",
        message: format!("{what} changed concurrently, retry"),
    }
}

/// Writes the role changes of `outcome` (computed from `before`) and the new
/// group version. Demotions are written before promotions so the partial
/// unique index never sees two PRIMARYs, even inside the transaction.
pub async fn persist<C: ConnectionTrait>(
    conn: &C,
    loaded: &LoadedGroup,
    outcome: &Outcome,
    details: &InstanceDetails,
) -> Result<()> {
    if outcome.changes.is_empty() {
        return Ok(());
    }
    let mut ordered: Vec<_> = outcome.changes.iter().collect();
    ordered.sort_by_key(|c| c.to == Role::Primary);
    for change in ordered {
        match change.from {
            None => {
                conn.execute_raw(stmt(
                    "INSERT INTO lifecycle.instances
                        (id, group_id, instance_id, role, instance_type, region, az, ami_id, mode, pool_id)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, COALESCE(NULLIF($9, ''), 'spot'), $10)",
                    [
                        Uuid::now_v7().into(),
                        loaded.id.into(),
                        change.instance_id.as_str().into(),
                        change.to.into(),
                        details.instance_type.as_str().into(),
                        details.region.as_str().into(),
                        details.az.as_str().into(),
                        details.ami_id.as_str().into(),
                        details.mode.as_str().into(),
                        details.pool_id.clone().into(),
                    ],
                ))
                .await?;
            }
            Some(_) => {
                let before = loaded
                    .group
                    .instance(&change.instance_id)
                    .ok_or_else(|| conflict(&format!("instance {}", change.instance_id)))?;
                let result = conn
                    .execute_raw(stmt(
                        "UPDATE lifecycle.instances SET role = $1, version = version + 1, role_changed_at = now()
                         WHERE group_id = $2 AND instance_id = $3 AND version = $4",
                        [
                            change.to.into(),
                            loaded.id.into(),
                            change.instance_id.as_str().into(),
                            before.version.into(),
                        ],
                    ))
                    .await?;
                if result.rows_affected() != 1 {
                    return Err(conflict(&format!("instance {}", change.instance_id)));
                }
            }
        }
    }
    let result = conn
        .execute_raw(stmt(
            "UPDATE lifecycle.groups SET version = $1, updated_at = now() WHERE id = $2 AND version = $3",
            [outcome.group.version.into(), loaded.id.into(), loaded.group.version.into()],
        ))
        .await?;
    if result.rows_affected() != 1 {
        return Err(conflict("group"));
    }
    Ok(())
}

/// Writes new settings (already validated) and bumps the group version.
pub async fn save_settings<C: ConnectionTrait>(
    conn: &C,
    loaded: &LoadedGroup,
    s: &GroupSettings,
) -> Result<i64> {
    let version = loaded.group.version + 1;
    let result = conn
        .execute_raw(stmt(
            "UPDATE lifecycle.groups SET auto_switch = $1, manual_replica = $2, auto_terminate = $3,
                terminate_wait_seconds = $4, min_savings_percent = $5, max_switches_per_week = $6,
                min_pool_duration_hours = $7, version = $8, updated_at = now(), availability_target_percent = $11
             WHERE id = $9 AND version = $10",
            [
                s.auto_switch.into(),
                s.manual_replica.into(),
                s.auto_terminate.into(),
                s.terminate_wait_seconds.into(),
                s.min_savings_percent.into(),
                s.max_switches_per_week.into(),
                s.min_pool_duration_hours.into(),
                version.into(),
                loaded.id.into(),
                loaded.group.version.into(),
                s.availability_target_percent.into(),
            ],
        ))
        .await?;
    if result.rows_affected() != 1 {
        return Err(conflict("group"));
    }
    Ok(version)
}

/// A ZOMBIE instance whose grace period is over.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct DueZombie {
    pub group_id: Uuid,
    pub instance_id: String,
}

/// ZOMBIEs retired longer than `retention_secs` ago, oldest first, at most 500.
pub async fn due_zombies<C: ConnectionTrait>(conn: &C, retention_secs: f64) -> Result<Vec<DueZombie>> {
    let rows = DueZombie::find_by_statement(stmt(
        "SELECT group_id, instance_id FROM lifecycle.instances
         WHERE role = 'ZOMBIE' AND role_changed_at < now() - make_interval(secs => $1)
         ORDER BY role_changed_at LIMIT 500",
        [retention_secs.into()],
    ));
    Ok(rows.all(conn).await?)
}
