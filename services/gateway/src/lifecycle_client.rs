//! Client of lifecycle's gRPC API, with a deadline on every call and a lazy
//! connection (the gateway starts even when lifecycle is not up yet); errors
//! map by code (`crate::upstream`).

use crate::upstream::grpc_client;
use spot_contracts::v1;
use spot_contracts::v1::lifecycle_service_client::LifecycleServiceClient;
use spot_platform::grpc::Channel;
use std::time::Duration;

grpc_client! {
    /// Lifecycle's API. Its 3 s deadline is well inside the agent's 30 s
    /// patience.
    LifecycleClient: LifecycleServiceClient<Channel>, "SPOT_LIFECYCLE_GRPC_URL", Duration::from_secs(3);
    "lifecycle";
    /// Registers an agent.
    register => register_agent(v1::RegisterAgentRequest, v1::RegisterAgentResponse),
    /// Current config of an agent.
    config => get_agent_config(v1::GetAgentConfigRequest, v1::AgentConfig),
    /// An agent's lifecycle record.
    agent => get_agent(v1::GetAgentRequest, v1::AgentRecord),
    /// Open commands of an agent.
    pending_commands => get_pending_commands(v1::AgentRef, v1::CommandList),
    /// The agent ran a command.
    command_executed => command_executed(v1::CommandExecutedRequest, v1::CommandRecord),
    /// A finished switch.
    report_switch => report_switch(v1::SwitchReportRequest, v1::SwitchReportResponse),
    /// Queue a manual switch.
    issue_switch => issue_switch_command(v1::IssueSwitchCommandRequest, v1::IssueCommandResponse),
    /// Record a replica.
    create_replica => create_replica(v1::CreateReplicaRequest, v1::ReplicaRecord),
    /// Replicas of the agent's group.
    list_replicas => list_replicas(v1::AgentRef, v1::ReplicaList),
    /// Replica status report.
    replica_status => update_replica_status(v1::UpdateReplicaStatusRequest, v1::ReplicaRecord),
    /// Promote a replica.
    promote_replica => promote_replica(v1::PromoteReplicaRequest, v1::PromoteReplicaResponse),
    /// Replica view of the group.
    replica_config => get_replica_config(v1::AgentRef, v1::ReplicaConfig),
    /// Group settings.
    group_settings => get_group_settings(v1::AgentRef, v1::GroupSettings),
    /// Update group settings.
    update_group_settings => update_group_settings(v1::UpdateGroupSettingsRequest, v1::GroupSettings),
    /// Paginated listings.
    list_records => list_records(v1::ListRecordsRequest, v1::ListRecordsResponse),
    /// Dashboard: live agents (or one) with settings.
    agent_overviews => list_agent_overviews(v1::AgentOverviewRequest, v1::AgentOverviewList),
    /// Dashboard: the operator's enable switch.
    set_agent_enabled => set_agent_enabled(v1::SetAgentEnabledRequest, v1::SetAgentEnabledResponse),
    /// Dashboard: wished replica count.
    set_replica_count => set_replica_count(v1::SetReplicaCountRequest, v1::SetReplicaCountResponse),
    /// Dashboard: manual replica request.
    manual_replica => request_manual_replica(v1::ManualReplicaRequest, v1::ReplicaRecord),
    /// Dashboard: instances of a tenant.
    instance_overviews => list_instance_overviews(v1::InstanceOverviewRequest, v1::InstanceOverviewList),
    /// Dashboard: switch history with counts.
    switch_overviews => list_switch_overviews(v1::SwitchOverviewRequest, v1::SwitchOverviewList),
    /// Dashboard: replicas of a tenant.
    tenant_replicas => list_tenant_replicas(v1::TenantReplicasRequest, v1::TenantReplicaList),
    /// Operators' API: reports over what lifecycle wrote.
    operator_report => operator_report(v1::OperatorReportRequest, v1::OperatorReportResponse),
    /// Operators' API: delete an agent.
    delete_agent => delete_agent(v1::DeleteAgentRequest, v1::DeleteAgentResponse),
    /// Operators' API: unknown instances from inventory reconciliation.
    unknown_instances => list_unknown_instances(v1::UnknownInstancesRequest, v1::UnknownInstanceList),
}
