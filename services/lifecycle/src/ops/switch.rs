//! The switch report: the new instance becomes PRIMARY and the old one
//! ZOMBIE (or TERMINATED with auto_terminate), atomically, with the timings.

use super::{Actor, transition};
use crate::error::Result;
use crate::events;
use crate::store::groups::InstanceDetails;
use crate::store::switches::{self, NewSwitch};
use sea_orm::{DatabaseConnection, TransactionTrait};
use serde_json::json;
use spot_contracts::v1;
use spot_domain::group::{Role, SwitchTiming, Transition};
use spot_domain::{AgentId, ClientId};
use spot_platform::store::enqueue;

/// Result of a report.
#[derive(Debug, Clone, PartialEq)]
pub struct SwitchRecorded {
    pub switch_id: uuid::Uuid,
    pub downtime_seconds: Option<f64>,
    pub total_seconds: Option<f64>,
    pub duplicate: bool,
}

/// Applies a switch report sent by `agent` (the agent on the old instance).
pub async fn report(
    db: &DatabaseConnection,
    client: ClientId,
    agent: AgentId,
    mut sw: NewSwitch,
    new_details: InstanceDetails,
    actor: &Actor,
) -> Result<SwitchRecorded> {
    let [initiated, snapshot, ami, launched, ready, traffic, terminated] = sw.timings;
    let timing = SwitchTiming {
        switch_initiated_at: initiated,
        snapshot_created_at: snapshot,
        ami_created_at: ami,
        new_instance_launched_at: launched,
        new_instance_ready_at: ready,
        traffic_switched_at: traffic,
        old_instance_terminated_at: terminated,
    };
    sw.downtime_seconds = timing.downtime_seconds();
    sw.total_seconds = timing.total_seconds();
    let txn = db.begin().await?;
    let (group_id, loaded) = super::lock_group_of(&txn, client, agent).await?;
    let transition = Transition::SwitchReport {
        old_instance_id: sw.old.instance_id.clone(),
        new_instance_id: sw.new.instance_id.clone(),
    };
    let outcome = transition::run(&txn, &loaded, &transition, &new_details, actor, "switch").await?;
    let old_role = outcome.group.instance(&sw.old.instance_id).map(|i| i.role).unwrap_or(Role::Zombie);
    sw.client_id = client.as_uuid();
    sw.group_id = group_id;
    sw.agent_id = agent.as_uuid();
    sw.old_role_after = old_role.as_str().to_owned();
    if let Some((command_id, command_actor)) = switches::open_switch_command(&txn, agent.as_uuid()).await? {
        sw.command_id = Some(command_id);
        sw.actor = command_actor;
    }
    let (switch_id, created) = switches::insert_once(&txn, &sw).await?;
    if created {
        actor
            .on(client, Some(group_id), agent)
            .record(
                &txn,
                "switch_reported",
                Some(json!({"primary": sw.old.instance_id})),
                Some(json!({"primary": sw.new.instance_id, "old_role": sw.old_role_after,
                                        "downtime_seconds": sw.downtime_seconds, "switch_id": switch_id})),
            )
            .await?;
        let event = v1::SwitchCompleted {
            meta: Some(events::meta(client.as_uuid(), agent.as_uuid(), &actor.request_id)),
            switch_id: switch_id.to_string(),
            old_instance_id: sw.old.instance_id.clone(),
            new_instance_id: sw.new.instance_id.clone(),
            new_pool_id: sw.new.pool_id.clone().unwrap_or_default(),
            downtime_seconds: sw.downtime_seconds,
            total_seconds: sw.total_seconds,
            trigger: sw.trigger.clone(),
            boot_seconds: match (sw.timings[3], sw.timings[4]) {
                (Some(launched), Some(ready)) if ready >= launched => {
                    Some((ready - launched).num_milliseconds() as f64 / 1000.0)
                }
                _ => None,
            },
        };
        enqueue(&txn, crate::SCHEMA, &event).await?;
    }
    txn.commit().await?;
    Ok(SwitchRecorded {
        switch_id,
        downtime_seconds: sw.downtime_seconds,
        total_seconds: sw.total_seconds,
        duplicate: !created,
    })
}
