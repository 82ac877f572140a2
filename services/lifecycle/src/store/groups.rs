//! Groups and their instances: loading a group under a row lock into the
//! domain model, and writing a transition's outcome back with optimistic
//! version checks (a mismatch means someone else changed it: a conflict).

use crate::error::{LifecycleError, Result};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
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

fn stmt(sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// Returns the group id for (tenant, logical id), creating the group.
pub async fn ensure<C: ConnectionTrait>(conn: &C, client: ClientId, logical: &str) -> Result<Uuid> {
    let row = conn
        .query_one_raw(stmt(
            "INSERT INTO lifecycle.groups (id, client_id, logical_agent_id) VALUES ($1, $2, $3)
             ON CONFLICT (client_id, logical_agent_id) DO UPDATE SET updated_at = lifecycle.groups.updated_at
             RETURNING id",
            vec![Uuid::now_v7().into(), client.as_uuid().into(), logical.into()],
        ))
        .await?
        .ok_or(LifecycleError::NotFound("group"))?;
    Ok(row.try_get("", "id")?)
}

/// Locks the group row for the rest of the transaction and loads it.
pub async fn lock<C: ConnectionTrait>(conn: &C, group_id: Uuid) -> Result<LoadedGroup> {
    let g = conn
        .query_one_raw(stmt(
            "SELECT id, client_id, logical_agent_id, auto_switch, manual_replica, auto_terminate, terminate_wait_seconds,
                    min_savings_percent, max_switches_per_week, min_pool_duration_hours, availability_target_percent, version
             FROM lifecycle.groups WHERE id = $1 FOR UPDATE",
            vec![group_id.into()],
        ))
        .await?
        .ok_or(LifecycleError::NotFound("group"))?;
    let settings = GroupSettings {
        auto_switch: g.try_get("", "auto_switch")?,
        manual_replica: g.try_get("", "manual_replica")?,
        auto_terminate: g.try_get("", "auto_terminate")?,
        terminate_wait_seconds: g.try_get("", "terminate_wait_seconds")?,
        min_savings_percent: g.try_get("", "min_savings_percent")?,
        max_switches_per_week: g.try_get("", "max_switches_per_week")?,
        min_pool_duration_hours: g.try_get("", "min_pool_duration_hours")?,
        availability_target_percent: g.try_get("", "availability_target_percent")?,
    };
    let rows = conn
        .query_all_raw(stmt(
            "SELECT instance_id, role, version FROM lifecycle.instances WHERE group_id = $1 ORDER BY created_at, instance_id",
            vec![group_id.into()],
        ))
        .await?;
    let mut instances = Vec::with_capacity(rows.len());
    for r in rows {
        let role: String = r.try_get("", "role")?;
        instances.push(Instance {
            instance_id: r.try_get("", "instance_id")?,
            role: Role::parse(&role)
                .ok_or_else(|| LifecycleError::invalid(format!("stored role {role:?}")))?,
            version: r.try_get("", "version")?,
        });
    }
    Ok(LoadedGroup {
        id: group_id,
        client_id: g.try_get("", "client_id")?,
        logical_agent_id: g.try_get("", "logical_agent_id")?,
        group: Group { version: g.try_get("", "version")?, settings, instances },
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
                    vec![
                        Uuid::now_v7().into(),
                        loaded.id.into(),
                        change.instance_id.as_str().into(),
                        change.to.as_str().into(),
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
                        vec![
                            change.to.as_str().into(),
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
            vec![outcome.group.version.into(), loaded.id.into(), loaded.group.version.into()],
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
            vec![
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
