//! Commands as agents read them, and the operator's switch request.

use super::{non_empty, rfc3339_micros};
use crate::error::ApiError;
use serde::{Deserialize, Serialize};
use spot_contracts::v1;

/// One entry of `GET /pending-commands`. v4 needs `id` and `target_mode`
/// (and reads `target_pool_id`, `priority`); newer agents also read the rest.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct PendingCommand {
    pub id: String,
    pub command_type: String,
    pub target_mode: Option<String>,
    pub target_pool_id: Option<String>,
    pub priority: i32,
    pub request_id: String,
    pub deadline: Option<String>,
    pub created_at: Option<String>,
}

impl From<&v1::CommandRecord> for PendingCommand {
    fn from(c: &v1::CommandRecord) -> Self {
        Self {
            id: c.id.clone(),
            command_type: c.command_type.clone(),
            target_mode: non_empty(&c.target_mode),
            target_pool_id: c.target_pool_id.clone(),
            priority: c.priority,
            request_id: c.request_id.clone(),
            deadline: rfc3339_micros(&c.deadline),
            created_at: rfc3339_micros(&c.created_at),
        }
    }
}

/// A command with its status, for operators.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CommandView {
    #[serde(flatten)]
    pub command: PendingCommand,
    pub status: String,
    pub actor: String,
    pub agent_id: String,
    pub result_message: Option<String>,
}

impl From<&v1::CommandRecord> for CommandView {
    fn from(c: &v1::CommandRecord) -> Self {
        Self {
            command: PendingCommand::from(c),
            status: c.status.clone(),
            actor: c.actor.clone(),
            agent_id: c.agent_id.clone(),
            result_message: c.result_message.clone(),
        }
    }
}

/// `POST /commands/{cid}/executed`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ExecutedRequest {
    pub success: Option<bool>,
    pub message: Option<String>,
}

impl ExecutedRequest {
    /// `success` is required: guessing would record a wrong outcome.
    pub fn parts(self) -> Result<(bool, String), ApiError> {
        let success = self.success.ok_or_else(|| ApiError::InvalidField("success is required".into()))?;
        Ok((success, self.message.unwrap_or_default()))
    }
}

/// `POST /api/agents/{id}/issue-switch-command`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct IssueSwitchRequest {
    pub target_mode: Option<String>,
    pub target_pool_id: Option<String>,
    pub request_id: Option<String>,
}
