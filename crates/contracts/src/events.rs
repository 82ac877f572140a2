//! Ties each event message to its domain, event name and protobuf type name.

use crate::subjects::{self, StreamDef};
use crate::v1;

/// A protobuf message published on the bus.
pub trait Event: prost::Message + Default + Send + Sync + 'static {
    /// Stream (and subject domain) the event belongs to.
    const STREAM: StreamDef;
    /// Event segment of the subject, e.g. `heartbeat`.
    const NAME: &'static str;
    /// Fully qualified protobuf type, sent in the `Spot-Event-Type` header.
    const TYPE: &'static str;

    /// The event's metadata, when set.
    fn meta(&self) -> Option<&v1::EventMeta>;

    /// Subject for this event: `spot.v1.<domain>.<event>.<client>.<agent>`.
    fn subject(&self) -> String {
        let (client, agent) =
            self.meta().map(|m| (m.client_id.as_str(), m.agent_id.as_str())).unwrap_or(("_", ""));
        subjects::subject(Self::STREAM.domain, Self::NAME, client, agent)
    }

    /// Filter matching this event for every tenant and agent.
    fn filter() -> String {
        subjects::event_filter(Self::STREAM.domain, Self::NAME)
    }
}

macro_rules! event {
    ($ty:ident, $stream:expr, $name:literal) => {
        impl Event for v1::$ty {
            const STREAM: StreamDef = $stream;
            const NAME: &'static str = $name;
            const TYPE: &'static str = concat!("spot.v1.", stringify!($ty));
            fn meta(&self) -> Option<&v1::EventMeta> {
                self.meta.as_ref()
            }
        }
    };
}

event!(HeartbeatReceived, subjects::INGEST, "heartbeat");
event!(AgentRegistered, subjects::LIFECYCLE, "agent_registered");
event!(AgentStatusChanged, subjects::LIFECYCLE, "agent_status_changed");
event!(AgentConfigChanged, subjects::LIFECYCLE, "agent_config_changed");
event!(AgentCommandsChanged, subjects::LIFECYCLE, "agent_commands_changed");
event!(InstanceRoleChanged, subjects::LIFECYCLE, "role_changed");
event!(SwitchCompleted, subjects::LIFECYCLE, "switch_completed");
event!(PricingReportReceived, subjects::INGEST, "pricing_report");
event!(CleanupReportReceived, subjects::INGEST, "cleanup_report");
event!(ConsolidationFinished, subjects::PRICING, "consolidation_finished");
event!(PoolRiskUpdated, subjects::PRICING, "pool_risk_updated");
event!(ReplicaChanged, subjects::LIFECYCLE, "replica_changed");
event!(NoticeReceived, subjects::EMERGENCY, "notice");
event!(NoticeChanged, subjects::EMERGENCY, "notice_changed");
event!(ReturnToSpotMarked, subjects::EMERGENCY, "return_to_spot");
event!(GroupSettingsChanged, subjects::LIFECYCLE, "group_settings_changed");
event!(CommandFinished, subjects::LIFECYCLE, "command_finished");
event!(DecisionMade, subjects::DECISIONS, "decision_made");
event!(DecisionExecuted, subjects::DECISIONS, "decision_executed");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_subject_and_type() {
        let hb = v1::HeartbeatReceived {
            meta: Some(v1::EventMeta { client_id: "c".into(), agent_id: "a".into(), ..Default::default() }),
            ..Default::default()
        };
        assert_eq!(hb.subject(), "spot.v1.ingest.heartbeat.c.a");
        assert_eq!(<v1::HeartbeatReceived as Event>::TYPE, "spot.v1.HeartbeatReceived");
        assert_eq!(v1::HeartbeatReceived::filter(), "spot.v1.ingest.heartbeat.>");
    }
}
