//! Switch history.

use super::{IdRow, sql};
use crate::error::Result;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;

/// One side of a switch, as the agent reported it.
#[derive(Debug, Clone, Default)]
pub struct SwitchSide {
    pub instance_id: String,
    pub pool_id: Option<String>,
    pub mode: Option<String>,
    pub az: Option<String>,
}

/// A completed switch as reported by the agent.
#[derive(Debug, Clone, Default)]
pub struct NewSwitch {
    pub client_id: Uuid,
    pub group_id: Uuid,
    pub agent_id: Uuid,
    pub command_id: Option<Uuid>,
    /// The instance the workload left.
    pub old: SwitchSide,
    /// The instance it moved to.
    pub new: SwitchSide,
    pub instance_type: Option<String>,
    pub region: Option<String>,
    pub new_ami_id: Option<String>,
    pub snapshot_used: bool,
    pub snapshot_ami_id: Option<String>,
    pub snapshot_ami_name: Option<String>,
    pub on_demand_price: Option<f64>,
    pub old_spot_price: Option<f64>,
    pub new_spot_price: Option<f64>,
    pub timings: [Option<DateTime<Utc>>; 7],
    pub downtime_seconds: Option<f64>,
    pub total_seconds: Option<f64>,
    pub trigger: String,
    pub actor: String,
    pub request_id: Option<String>,
    pub old_role_after: String,
}

/// Inserts the switch; a repeated report of the same (old, new) pair
/// returns the first row's id and `false`.
pub async fn insert_once<C: ConnectionTrait>(conn: &C, s: &NewSwitch) -> Result<(Uuid, bool)> {
    let [initiated, snapshot, ami, launched, ready, traffic, terminated] = s.timings;
    let row = IdRow::find_by_statement(sql(
            "INSERT INTO lifecycle.switches (id, client_id, group_id, agent_id, command_id, old_instance_id,
                new_instance_id, old_pool_id, new_pool_id, old_mode, new_mode, old_az, new_az, instance_type, region,
                new_ami_id, snapshot_used, snapshot_ami_id, snapshot_ami_name, on_demand_price, old_spot_price,
                new_spot_price, switch_initiated_at, snapshot_created_at, ami_created_at, new_instance_launched_at,
                new_instance_ready_at, traffic_switched_at, old_instance_terminated_at, downtime_seconds,
                total_seconds, trigger, actor, request_id, old_role_after)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35)
             ON CONFLICT (group_id, old_instance_id, new_instance_id) DO NOTHING RETURNING id",
            [
                Uuid::now_v7().into(),
                s.client_id.into(),
                s.group_id.into(),
                s.agent_id.into(),
                s.command_id.into(),
                s.old.instance_id.as_str().into(),
                s.new.instance_id.as_str().into(),
                s.old.pool_id.clone().into(),
                s.new.pool_id.clone().into(),
                s.old.mode.clone().into(),
                s.new.mode.clone().into(),
                s.old.az.clone().into(),
                s.new.az.clone().into(),
                s.instance_type.clone().into(),
                s.region.clone().into(),
                s.new_ami_id.clone().into(),
                s.snapshot_used.into(),
                s.snapshot_ami_id.clone().into(),
                s.snapshot_ami_name.clone().into(),
                s.on_demand_price.into(),
                s.old_spot_price.into(),
                s.new_spot_price.into(),
                initiated.into(),
                snapshot.into(),
                ami.into(),
                launched.into(),
                ready.into(),
                traffic.into(),
                terminated.into(),
                s.downtime_seconds.into(),
                s.total_seconds.into(),
                s.trigger.as_str().into(),
                s.actor.as_str().into(),
                s.request_id.clone().into(),
                s.old_role_after.as_str().into(),
            ],
        ))
        .one(conn)
        .await?;
    if let Some(r) = row {
        return Ok((r.id, true));
    }
    let existing = IdRow::find_by_statement(sql(
        "SELECT id FROM lifecycle.switches WHERE group_id = $1 AND old_instance_id = $2 AND new_instance_id = $3",
        [s.group_id.into(), s.old.instance_id.as_str().into(), s.new.instance_id.as_str().into()],
    ))
    .one(conn)
    .await?
    .ok_or(crate::error::LifecycleError::NotFound("switch"))?;
    Ok((existing.id, false))
}

/// The newest open SWITCH command of an agent (the one this report answers).
pub async fn open_switch_command<C: ConnectionTrait>(
    conn: &C,
    agent: Uuid,
) -> Result<Option<(Uuid, String)>> {
    #[derive(FromQueryResult)]
    struct Open {
        id: Uuid,
        actor: String,
    }
    let row = Open::find_by_statement(sql(
        "SELECT id, actor FROM lifecycle.commands WHERE agent_id = $1 AND command_type = 'SWITCH'
           AND status IN ('pending', 'delivered') ORDER BY priority DESC, created_at DESC LIMIT 1",
        [agent.into()],
    ))
    .one(conn)
    .await?;
    Ok(row.map(|r| (r.id, r.actor)))
}
