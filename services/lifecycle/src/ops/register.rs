//! Registration: every call is a new agent id; the group decides the role
//! (agent-protocol.md section C).

use super::Actor;
use super::transition;
use crate::error::Result;
use crate::events;
use crate::store::agents::{self, NewAgent};
use crate::store::commands;
use crate::store::groups::{self, InstanceDetails};
use sea_orm::{DatabaseConnection, TransactionTrait};
use spot_contracts::v1;
use spot_domain::group::{Role, Transition};
use spot_platform::store::enqueue;

/// What registration decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registered {
    pub enabled: bool,
    pub role: Role,
}

/// Registers `agent` (its `agent_id` freshly minted by the caller).
pub async fn register(db: &DatabaseConnection, mut agent: NewAgent, request_id: &str) -> Result<Registered> {
    let txn = db.begin().await?;
    let group_id = groups::ensure(&txn, agent.client_id, agent.logical_agent_id.as_str()).await?;
    let loaded = groups::lock(&txn, group_id).await?;
    let details = InstanceDetails {
        instance_type: agent.instance_type.clone(),
        region: agent.region.clone(),
        az: agent.az.clone(),
        ami_id: agent.ami_id.clone(),
        mode: agent.mode.as_str().to_owned(),
        pool_id: (!agent.instance_type.is_empty() && !agent.az.is_empty())
            .then(|| format!("{}.{}", agent.instance_type, agent.az)),
    };
    let actor = Actor { name: format!("agent:{}", agent.agent_id), request_id: request_id.to_owned() };
    let outcome = transition::run(
        &txn,
        &loaded,
        &Transition::Register { instance_id: agent.instance_id.clone() },
        &details,
        &actor,
        "registration",
    )
    .await?;
    let enabled = outcome.enabled.unwrap_or(false);
    let role = outcome.group.instance(&agent.instance_id).map(|i| i.role).unwrap_or(Role::Replica);
    agent.enabled = enabled;
    agent.group_id = Some(group_id);
    // The rule of `AgentRow::runs_typed_commands`, on the registration itself.
    let major = agent.agent_version.split('.').next().and_then(|m| m.parse::<u32>().ok()).unwrap_or(0);
    let typed_commands = major >= 5 || agent.capabilities.iter().any(|c| c == "typed_commands");
    agents::insert(&txn, &agent).await?;
    let (client, new_id) = (agent.client_id.as_uuid(), agent.agent_id.as_uuid());
    let adopted =
        commands::adopt_pending(&txn, client, agent.logical_agent_id.as_str(), &agent.instance_id, new_id)
            .await?;
    if adopted > 0 {
        // The gateway filled the new agent's command cache with an empty
        // list when it registered; this drops it.
        let changed = v1::AgentCommandsChanged { meta: Some(events::meta(client, new_id, request_id)) };
        enqueue(&txn, crate::SCHEMA, &changed).await?;
        tracing::info!(agent_id = %agent.agent_id, adopted, "pending commands of the instance's previous agent moved");
    }
    let event = v1::AgentRegistered {
        meta: Some(events::meta(agent.client_id.as_uuid(), agent.agent_id.as_uuid(), request_id)),
        logical_agent_id: agent.logical_agent_id.as_str().to_owned(),
        instance: Some(v1::InstanceInfo {
            instance_id: agent.instance_id.clone(),
            instance_type: agent.instance_type.clone(),
            region: agent.region.clone(),
            az: agent.az.clone(),
            ami_id: agent.ami_id.clone(),
            mode: match agent.mode {
                spot_domain::InstanceMode::Spot => v1::InstanceMode::Spot as i32,
                spot_domain::InstanceMode::OnDemand => v1::InstanceMode::OnDemand as i32,
            },
        }),
        hostname: agent.hostname.clone(),
        agent_version: agent.agent_version.clone(),
        private_ip: agent.private_ip.clone(),
        public_ip: agent.public_ip.clone(),
        role: transition::role_proto(role),
        enabled,
        group_id: group_id.to_string(),
        typed_commands,
    };
    enqueue(&txn, crate::SCHEMA, &event).await?;
    txn.commit().await?;
    tracing::info!(agent_id = %agent.agent_id, role = role.as_str(), enabled, "agent registered");
    Ok(Registered { enabled, role })
}
