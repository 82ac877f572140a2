//! Projection of lifecycle events the pricing service needs: the current
//! role of every instance (registrations and role changes) and the switch
//! log (daily switch counts). One consumer on `spot.v1.lifecycle.>`.

use prost::Message;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use spot_contracts::v1;
use spot_domain::group::Role;
use spot_platform::bus::{BatchHandler, Delivery, HandlerError, Subscription};
use spot_platform::store::begin_batch;
use spot_platform::store::sql;
use uuid::Uuid;

pub const DURABLE: &str = "pricing-lifecycle";

pub fn subscription() -> Subscription {
    Subscription::all(&spot_contracts::subjects::LIFECYCLE, DURABLE)
}

#[derive(Debug, Clone)]
pub struct LifecycleProjection {
    db: DatabaseConnection,
}

impl LifecycleProjection {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn role_name(role: i32) -> Option<Role> {
    match v1::InstanceRole::try_from(role) {
        Ok(v1::InstanceRole::Primary) => Some(Role::Primary),
        Ok(v1::InstanceRole::Replica) => Some(Role::Replica),
        Ok(v1::InstanceRole::Zombie) => Some(Role::Zombie),
        Ok(v1::InstanceRole::Terminated) => Some(Role::Terminated),
        _ => None,
    }
}

async fn set_role<C: ConnectionTrait>(
    conn: &C,
    client: &str,
    instance: &str,
    role: Role,
) -> Result<(), HandlerError> {
    let Ok(client) = Uuid::parse_str(client) else { return Ok(()) };
    conn.execute_raw(sql(
        "INSERT INTO pricing.instance_roles (client_id, instance_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (client_id, instance_id) DO UPDATE SET role = EXCLUDED.role, updated_at = now()",
        [client.into(), instance.into(), role.into()],
    ))
    .await
    .map_err(HandlerError::from_display)?;
    Ok(())
}

impl BatchHandler for LifecycleProjection {
    async fn handle(&self, batch: &[Delivery]) -> Result<(), HandlerError> {
        let (txn, fresh) = begin_batch(&self.db, crate::SCHEMA, DURABLE, batch).await?;
        // In stream order, so the last role change of an instance wins.
        for d in fresh {
            let event = d.subject.split('.').nth(3).unwrap_or_default();
            let bad =
                |e: prost::DecodeError| HandlerError(format!("undecodable {event} {}: {e}", d.event_id));
            match event {
                "agent_registered" => {
                    let e = v1::AgentRegistered::decode(d.payload.clone()).map_err(bad)?;
                    let client = e.meta.as_ref().map(|m| m.client_id.clone()).unwrap_or_default();
                    if let (Some(role), Some(instance)) = (role_name(e.role), e.instance.as_ref()) {
                        set_role(&txn, &client, &instance.instance_id, role).await?;
                    }
                }
                "role_changed" => {
                    let e = v1::InstanceRoleChanged::decode(d.payload.clone()).map_err(bad)?;
                    let client = e.meta.as_ref().map(|m| m.client_id.clone()).unwrap_or_default();
                    if let Some(role) = role_name(e.to_role) {
                        set_role(&txn, &client, &e.instance_id, role).await?;
                    }
                }
                "switch_completed" => {
                    let e = v1::SwitchCompleted::decode(d.payload.clone()).map_err(bad)?;
                    let meta = e.meta.clone().unwrap_or_default();
                    let at = meta
                        .occurred_at
                        .as_ref()
                        .and_then(|t| chrono::DateTime::<chrono::Utc>::from_timestamp(t.seconds, 0));
                    if let (Ok(id), Ok(client), Some(at)) =
                        (Uuid::parse_str(&e.switch_id), Uuid::parse_str(&meta.client_id), at)
                    {
                        txn.execute_raw(sql(
                            "INSERT INTO pricing.switch_log (switch_id, client_id, occurred_at) VALUES ($1, $2, $3)
                             ON CONFLICT DO NOTHING",
                            [id.into(), client.into(), at.into()],
                        ))
                        .await
                        .map_err(HandlerError::from_display)?;
                    }
                }
                _ => {}
            }
        }
        txn.commit().await.map_err(HandlerError::from_display)?;
        Ok(())
    }
}
