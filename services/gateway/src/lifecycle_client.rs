//! Client of lifecycle's gRPC API, with a deadline on every call and a lazy
//! connection (the gateway starts even when lifecycle is not up yet); errors
//! map by code (`crate::upstream`).

use crate::upstream::{client, rpc};
use spot_contracts::v1;
use spot_contracts::v1::lifecycle_service_client::LifecycleServiceClient;
use spot_platform::grpc::Channel;
use std::time::Duration;

/// Deadline of synchronous calls: well inside the agent's 30 s patience.
pub const CALL_DEADLINE: Duration = Duration::from_secs(3);

client!(
    /// Lifecycle's API.
    LifecycleClient,
    LifecycleServiceClient<Channel>,
    "SPOT_LIFECYCLE_GRPC_URL",
    CALL_DEADLINE
);

impl LifecycleClient {
    rpc!("lifecycle": /// Registers an agent.
        register, register_agent, v1::RegisterAgentRequest, v1::RegisterAgentResponse);
    rpc!("lifecycle": /// Current config of an agent.
        config, get_agent_config, v1::GetAgentConfigRequest, v1::AgentConfig);
    rpc!("lifecycle": /// An agent's lifecycle record.
        agent, get_agent, v1::GetAgentRequest, v1::AgentRecord);
    rpc!("lifecycle": /// Open commands of an agent.
        pending_commands, get_pending_commands, v1::AgentRef, v1::CommandList);
    rpc!("lifecycle": /// The agent ran a command.
        command_executed, command_executed, v1::CommandExecutedRequest, v1::CommandRecord);
    rpc!("lifecycle": /// A finished switch.
        report_switch, report_switch, v1::SwitchReportRequest, v1::SwitchReportResponse);
    rpc!("lifecycle": /// Queue a manual switch.
        issue_switch, issue_switch_command, v1::IssueSwitchCommandRequest, v1::IssueCommandResponse);
    rpc!("lifecycle": /// Record a replica.
        create_replica, create_replica, v1::CreateReplicaRequest, v1::ReplicaRecord);
    rpc!("lifecycle": /// Replicas of the agent's group.
        list_replicas, list_replicas, v1::AgentRef, v1::ReplicaList);
    rpc!("lifecycle": /// Replica status report.
        replica_status, update_replica_status, v1::UpdateReplicaStatusRequest, v1::ReplicaRecord);
    rpc!("lifecycle": /// Promote a replica.
        promote_replica, promote_replica, v1::PromoteReplicaRequest, v1::PromoteReplicaResponse);
    rpc!("lifecycle": /// Replica view of the group.
        replica_config, get_replica_config, v1::AgentRef, v1::ReplicaConfig);
    rpc!("lifecycle": /// Group settings.
        group_settings, get_group_settings, v1::AgentRef, v1::GroupSettings);
    rpc!("lifecycle": /// Update group settings.
        update_group_settings, update_group_settings, v1::UpdateGroupSettingsRequest, v1::GroupSettings);
    rpc!("lifecycle": /// Paginated listings.
        list_records, list_records, v1::ListRecordsRequest, v1::ListRecordsResponse);
    rpc!("lifecycle": /// Dashboard: live agents (or one) with settings.
        agent_overviews, list_agent_overviews, v1::AgentOverviewRequest, v1::AgentOverviewList);
    rpc!("lifecycle": /// Dashboard: the operator's enable switch.
        set_agent_enabled, set_agent_enabled, v1::SetAgentEnabledRequest, v1::SetAgentEnabledResponse);
    rpc!("lifecycle": /// Dashboard: wished replica count.
        set_replica_count, set_replica_count, v1::SetReplicaCountRequest, v1::SetReplicaCountResponse);
    rpc!("lifecycle": /// Dashboard: manual replica request.
        manual_replica, request_manual_replica, v1::ManualReplicaRequest, v1::ReplicaRecord);
    rpc!("lifecycle": /// Dashboard: instances of a tenant.
        instance_overviews, list_instance_overviews, v1::InstanceOverviewRequest, v1::InstanceOverviewList);
    rpc!("lifecycle": /// Dashboard: switch history with counts.
        switch_overviews, list_switch_overviews, v1::SwitchOverviewRequest, v1::SwitchOverviewList);
    rpc!("lifecycle": /// Dashboard: replicas of a tenant.
        tenant_replicas, list_tenant_replicas, v1::TenantReplicasRequest, v1::TenantReplicaList);
    rpc!("lifecycle": /// Operators' API: reports over what lifecycle wrote.
        operator_report, operator_report, v1::OperatorReportRequest, v1::OperatorReportResponse);
    rpc!("lifecycle": /// Operators' API: delete an agent.
        delete_agent, delete_agent, v1::DeleteAgentRequest, v1::DeleteAgentResponse);
    rpc!("lifecycle": /// Operators' API: unknown instances from inventory reconciliation.
        unknown_instances, list_unknown_instances, v1::UnknownInstancesRequest, v1::UnknownInstanceList);
}
