//! Client of lifecycle's gRPC API, with a deadline on every call and a lazy
//! connection (the gateway starts even when lifecycle is not up yet).

use crate::error::ApiError;
use spot_contracts::v1;
use spot_contracts::v1::lifecycle_service_client::LifecycleServiceClient;
use std::time::Duration;
use tonic::transport::{Channel, Endpoint};

/// Deadline of synchronous calls: well inside the agent's 30 s patience.
pub const CALL_DEADLINE: Duration = Duration::from_secs(3);

/// Cheap to clone; calls share one HTTP/2 connection.
#[derive(Debug, Clone)]
pub struct LifecycleClient {
    inner: LifecycleServiceClient<Channel>,
}

fn map_status(status: tonic::Status) -> ApiError {
    map_grpc_status("lifecycle", status)
}

/// Maps a gRPC error of `service` to the API error the client sees (the
/// stable code travels in the `spot-error-code` metadata).
pub(crate) fn map_grpc_status(service: &'static str, status: tonic::Status) -> ApiError {
    let code =
        status.metadata().get("spot-error-code").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let message = status.message().to_owned();
    match status.code() {
        tonic::Code::InvalidArgument => ApiError::InvalidField(message),
        tonic::Code::NotFound if message.starts_with("agent") => ApiError::AgentNotFound,
        tonic::Code::NotFound => ApiError::NotFound(message),
        tonic::Code::FailedPrecondition | tonic::Code::Aborted => {
            ApiError::Conflict { code: if code.is_empty() { "conflict".into() } else { code }, message }
        }
        tonic::Code::Unavailable | tonic::Code::DeadlineExceeded | tonic::Code::Cancelled => {
            ApiError::DependencyUnavailable(service)
        }
        _ => ApiError::Internal(format!("{service}: {status}")),
    }
}

/// Generates a client method per RPC: clone the channel handle, call, map.
macro_rules! rpc {
    ($(#[$doc:meta])* $name:ident, $method:ident, $req:ty, $resp:ty) => {
        $(#[$doc])*
        pub async fn $name(&self, req: $req) -> Result<$resp, ApiError> {
            self.inner.clone().$method(req).await.map(tonic::Response::into_inner).map_err(map_status)
        }
    };
}

impl LifecycleClient {
    /// Prepares a lazily connected client for `url` (e.g. `http://127.0.0.1:50051`).
    pub fn new(url: &str) -> Result<Self, String> {
        let endpoint = Endpoint::from_shared(url.to_owned())
            .map_err(|e| format!("invalid SPOT_LIFECYCLE_GRPC_URL {url:?}: {e}"))?
            .connect_timeout(Duration::from_secs(2))
            .timeout(CALL_DEADLINE)
            .tcp_nodelay(true);
        Ok(Self { inner: LifecycleServiceClient::new(endpoint.connect_lazy()) })
    }

    rpc!(/// Registers an agent.
        register, register_agent, v1::RegisterAgentRequest, v1::RegisterAgentResponse);
    rpc!(/// Current config of an agent.
        config, get_agent_config, v1::GetAgentConfigRequest, v1::AgentConfig);
    rpc!(/// An agent's lifecycle record.
        agent, get_agent, v1::GetAgentRequest, v1::AgentRecord);
    rpc!(/// Open commands of an agent.
        pending_commands, get_pending_commands, v1::AgentRef, v1::CommandList);
    rpc!(/// The agent ran a command.
        command_executed, command_executed, v1::CommandExecutedRequest, v1::CommandRecord);
    rpc!(/// A finished switch.
        report_switch, report_switch, v1::SwitchReportRequest, v1::SwitchReportResponse);
    rpc!(/// Queue a manual switch.
        issue_switch, issue_switch_command, v1::IssueSwitchCommandRequest, v1::IssueCommandResponse);
    rpc!(/// Record a replica.
        create_replica, create_replica, v1::CreateReplicaRequest, v1::ReplicaRecord);
    rpc!(/// Replicas of the agent's group.
        list_replicas, list_replicas, v1::AgentRef, v1::ReplicaList);
    rpc!(/// Replica status report.
        replica_status, update_replica_status, v1::UpdateReplicaStatusRequest, v1::ReplicaRecord);
    rpc!(/// Promote a replica.
        promote_replica, promote_replica, v1::PromoteReplicaRequest, v1::PromoteReplicaResponse);
    rpc!(/// Replica view of the group.
        replica_config, get_replica_config, v1::AgentRef, v1::ReplicaConfig);
    rpc!(/// Group settings.
        group_settings, get_group_settings, v1::AgentRef, v1::GroupSettings);
    rpc!(/// Update group settings.
        update_group_settings, update_group_settings, v1::UpdateGroupSettingsRequest, v1::GroupSettings);
    rpc!(/// Paginated listings.
        list_records, list_records, v1::ListRecordsRequest, v1::ListRecordsResponse);
    rpc!(/// Dashboard: live agents (or one) with settings.
        agent_overviews, list_agent_overviews, v1::AgentOverviewRequest, v1::AgentOverviewList);
    rpc!(/// Dashboard: the operator's enable switch.
        set_agent_enabled, set_agent_enabled, v1::SetAgentEnabledRequest, v1::SetAgentEnabledResponse);
    rpc!(/// Dashboard: wished replica count.
        set_replica_count, set_replica_count, v1::SetReplicaCountRequest, v1::SetReplicaCountResponse);
    rpc!(/// Dashboard: manual replica request.
        manual_replica, request_manual_replica, v1::ManualReplicaRequest, v1::ReplicaRecord);
    rpc!(/// Dashboard: instances of a tenant.
        instance_overviews, list_instance_overviews, v1::InstanceOverviewRequest, v1::InstanceOverviewList);
    rpc!(/// Dashboard: switch history with counts.
        switch_overviews, list_switch_overviews, v1::SwitchOverviewRequest, v1::SwitchOverviewList);
    rpc!(/// Dashboard: replicas of a tenant.
        tenant_replicas, list_tenant_replicas, v1::TenantReplicasRequest, v1::TenantReplicaList);
}
