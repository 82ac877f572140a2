//! Lifecycle events: where each group's PRIMARY runs, its settings, its
//! switches, and the results of our commands.

use super::{bad, event_name, uuid};
use crate::events;
use crate::store::{decisions, projection};
use prost::Message;
use sea_orm::DatabaseTransaction;
use spot_contracts::v1;
use spot_platform::bus::{Delivery, HandlerError};
use spot_platform::store::enqueue;
use spot_platform::time::occurred_at as at;

fn ids(meta: &Option<v1::EventMeta>) -> (Option<uuid::Uuid>, Option<uuid::Uuid>) {
    meta.as_ref().map_or((None, None), |m| (uuid(&m.client_id), uuid(&m.agent_id)))
}

pub async fn apply(txn: &DatabaseTransaction, batch: &[&Delivery]) -> Result<(), HandlerError> {
    let db = HandlerError::from_display;
    for d in batch {
        match event_name(d) {
            "agent_registered" => {
                let e = v1::AgentRegistered::decode(d.payload.clone()).map_err(bad(d))?;
                let (Some(client), Some(agent), Some(group)) =
                    (ids(&e.meta).0, ids(&e.meta).1, uuid(&e.group_id))
                else {
                    continue;
                };
                let i = e.instance.clone().unwrap_or_default();
                projection::agent(txn, agent, group, &i.instance_id).await.map_err(db)?;
                if e.role == v1::InstanceRole::Primary as i32 {
                    let mode = if i.mode == v1::InstanceMode::OnDemand as i32 { "ondemand" } else { "spot" };
                    let p = projection::Primary {
                        group,
                        client,
                        logical: &e.logical_agent_id,
                        agent,
                        instance_id: &i.instance_id,
                        instance_type: &i.instance_type,
                        region: &i.region,
                        az: &i.az,
                        mode,
                        at: at(&e.meta),
                    };
                    projection::primary(txn, &p).await.map_err(db)?;
                }
            }
            "role_changed" => {
                let e = v1::InstanceRoleChanged::decode(d.payload.clone()).map_err(bad(d))?;
                if e.to_role == v1::InstanceRole::Primary as i32
                    && let Some(group) = uuid(&e.group_id)
                {
                    projection::promoted(txn, group, &e.instance_id, at(&e.meta)).await.map_err(db)?;
                }
            }
            "switch_completed" => {
                let e = v1::SwitchCompleted::decode(d.payload.clone()).map_err(bad(d))?;
                let Some(agent) = ids(&e.meta).1 else { continue };
                let Some(group) = projection::group_of_agent(txn, agent).await.map_err(db)? else { continue };
                let key = format!("switch:{}", e.switch_id);
                projection::group_event(txn, &key, group, "switch", Some(&e.new_pool_id), false, at(&e.meta))
                    .await
                    .map_err(db)?;
            }
            "group_settings_changed" => {
                let e = v1::GroupSettingsChanged::decode(d.payload.clone()).map_err(bad(d))?;
                let (Some(client), Some(s)) = (ids(&e.meta).0, e.settings.as_ref()) else { continue };
                let Some(group) = uuid(&s.group_id) else { continue };
                projection::settings(txn, group, client, &s.logical_agent_id, s).await.map_err(db)?;
            }
            "command_finished" => {
                let e = v1::CommandFinished::decode(d.payload.clone()).map_err(bad(d))?;
                // Our commands carry the decision id as request id.
                let Some(decision) = e.meta.as_ref().and_then(|m| uuid(&m.request_id)) else { continue };
                let command = uuid(&e.command_id);
                // Anything but success (failed, expired) means the switch did not happen.
                let status = if e.status == "succeeded" { "succeeded" } else { "failed" };
                let finished = decisions::finished(txn, decision, status, &e.message, command, at(&e.meta))
                    .await
                    .map_err(db)?;
                if let Some(f) = finished {
                    let event = events::executed(decision, &f, &e.command_id, status, &e.message);
                    enqueue(txn, crate::SCHEMA, &event).await.map_err(db)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}
