//! Client of the emergency service's gRPC API. Its deadline is short: an
//! agent with a 2-minute notice must get its answer at once.

use crate::upstream::grpc_client;
use spot_contracts::v1;
use spot_contracts::v1::emergency_service_client::EmergencyServiceClient;
use spot_platform::grpc::Channel;
use std::time::Duration;

grpc_client! {
    /// Emergency's API; every call has a 5 s deadline.
    EmergencyClient: EmergencyServiceClient<Channel>, "SPOT_EMERGENCY_GRPC_URL", Duration::from_secs(5);
    "emergency";
    termination => termination_notice(v1::TerminationNoticeRequest, v1::NoticeAnswer),
    rebalance => rebalance_notice(v1::RebalanceNoticeRequest, v1::NoticeAnswer),
    status => emergency_status(v1::AgentRef, v1::EmergencyStatusRecord),
    policy => get_policy(v1::AgentRef, v1::PolicyRecord),
    set_policy => set_policy(v1::SetPolicyRequest, v1::PolicyRecord),
    notice_events => list_notice_events(v1::NoticeEventsRequest, v1::NoticeEventsResponse),
}
