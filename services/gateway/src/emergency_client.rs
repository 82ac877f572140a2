//! Client of the emergency service's gRPC API. Its deadline is short: an
//! agent with a 2-minute notice must get its answer at once.

use crate::upstream::{client, rpc};
use spot_contracts::v1;
use spot_contracts::v1::emergency_service_client::EmergencyServiceClient;
use spot_platform::grpc::Channel;
use std::time::Duration;

/// Deadline of every emergency call.
pub const CALL_DEADLINE: Duration = Duration::from_secs(5);

client!(
    /// Emergency's API.
    EmergencyClient,
    EmergencyServiceClient<Channel>,
    "SPOT_EMERGENCY_GRPC_URL",
    CALL_DEADLINE
);

impl EmergencyClient {
    rpc!("emergency": termination, termination_notice, v1::TerminationNoticeRequest, v1::NoticeAnswer);
    rpc!("emergency": rebalance, rebalance_notice, v1::RebalanceNoticeRequest, v1::NoticeAnswer);
    rpc!("emergency": status, emergency_status, v1::AgentRef, v1::EmergencyStatusRecord);
    rpc!("emergency": policy, get_policy, v1::AgentRef, v1::PolicyRecord);
    rpc!("emergency": set_policy, set_policy, v1::SetPolicyRequest, v1::PolicyRecord);
    rpc!("emergency": notice_events, list_notice_events, v1::NoticeEventsRequest, v1::NoticeEventsResponse);
}
