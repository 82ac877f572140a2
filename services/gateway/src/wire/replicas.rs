//! Replica calls (agent-protocol.md call 10 and the v4-defined extras).

use serde::{Deserialize, Serialize};
use spot_contracts::v1;

/// `POST /api/agents/{id}/replicas`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CreateReplicaRequest {
    pub instance_id: Option<String>,
    pub replica_type: Option<String>,
    pub parent_instance_id: Option<String>,
    pub pool_id: Option<String>,
    pub status: Option<String>,
    pub request_id: Option<String>,
}

/// `POST /replicas/{rid}/status`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ReplicaStatusRequest {
    pub status: Option<String>,
}

/// `POST /replicas/{rid}/promote` (body optional).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PromoteRequest {
    pub expected_version: Option<i64>,
    pub request_id: Option<String>,
}

/// A replica in answers. v4 reads `replica_id` from the create answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReplicaView {
    pub replica_id: String,
    pub instance_id: String,
    pub replica_type: String,
    pub parent_instance_id: String,
    pub pool_id: String,
    pub status: String,
    pub role: String,
    pub boot_seconds: Option<f64>,
}

impl From<&v1::ReplicaRecord> for ReplicaView {
    fn from(r: &v1::ReplicaRecord) -> Self {
        Self {
            replica_id: r.replica_id.clone(),
            instance_id: r.instance_id.clone(),
            replica_type: r.replica_type.clone(),
            parent_instance_id: r.parent_instance_id.clone(),
            pool_id: r.pool_id.clone(),
            status: r.status.clone(),
            role: r.role.clone(),
            boot_seconds: r.boot_seconds,
        }
    }
}
