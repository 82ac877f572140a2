//! Subject and stream names (docs/EVENTS.md, "Streams").
//!
//! Subjects follow `spot.v1.<domain>.<event>.<client_id>.<agent_id>`: the tenant
//! in the subject lets a team subscribe to one customer, and the agent id last
//! keeps per-agent order within a stream.

/// Prefix of every subject.
pub const ROOT: &str = "spot.v1";

/// One JetStream stream per domain, plus the dead-letter stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamDef {
    /// Stream name, e.g. `SPOT_INGEST`.
    pub name: &'static str,
    /// Domain segment of the subjects it captures, e.g. `ingest`.
    pub domain: &'static str,
    /// What it carries, for docs and `spotctl`.
    pub description: &'static str,
}

impl StreamDef {
    /// The wildcard subject the stream captures, e.g. `spot.v1.ingest.>`.
    pub fn subject_filter(&self) -> String {
        format!("{ROOT}.{}.>", self.domain)
    }
}

/// Declares each stream as a constant, and [`ALL_STREAMS`] from the same list.
macro_rules! streams {
    ($($(#[$doc:meta])* $id:ident = ($name:literal, $domain:literal, $description:literal);)*) => {
        $(
            $(#[$doc])*
            pub const $id: StreamDef = StreamDef { name: $name, domain: $domain, description: $description };
        )*

        /// Every stream the platform creates at start.
        pub const ALL_STREAMS: [StreamDef; [$(stringify!($id)),*].len()] = [$($id),*];
    };
}

streams! {
    /// Agent reports accepted by the gateway.
    INGEST = ("SPOT_INGEST", "ingest", "agent reports accepted by the gateway");
    /// State changes of agents, instances, replicas and commands.
    LIFECYCLE = ("SPOT_LIFECYCLE", "lifecycle", "agent, instance, replica and command state changes");
    /// Rebalance and termination notices and their handling.
    EMERGENCY = ("SPOT_EMERGENCY", "emergency", "interruption notices, emergency replicas, promotions");
    /// Consolidation runs, pool risk and savings.
    PRICING = ("SPOT_PRICING", "pricing", "consolidation jobs, pool risk, savings");
    /// Model decisions and their execution.
    DECISIONS = ("SPOT_DECISIONS", "decisions", "model decisions and their outcomes");
    /// Messages that could not be processed after `max_deliver` attempts.
    DEAD_LETTER = ("SPOT_DLQ", "dlq", "poison messages with the error that stopped them");
}

/// Builds `spot.v1.<domain>.<event>.<client_id>.<agent_id>`.
///
/// Ids are UUIDs, which contain no `.`, `*` or `>`; an empty agent id (tenant
/// wide events) becomes `_`.
pub fn subject(domain: &str, event: &str, client_id: &str, agent_id: &str) -> String {
    let agent = if agent_id.is_empty() { "_" } else { agent_id };
    format!("{ROOT}.{domain}.{event}.{client_id}.{agent}")
}

/// Subject under which a consumer's poison message is parked:
/// `spot.v1.dlq.<consumer>`.
pub fn dead_letter(consumer: &str) -> String {
    format!("{ROOT}.{}.{consumer}", DEAD_LETTER.domain)
}

/// Filter for one event type across all tenants: `spot.v1.<domain>.<event>.>`.
pub fn event_filter(domain: &str, event: &str) -> String {
    format!("{ROOT}.{domain}.{event}.>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_has_tenant_then_agent_last() {
        assert_eq!(subject("ingest", "heartbeat", "c1", "a1"), "spot.v1.ingest.heartbeat.c1.a1");
        assert_eq!(subject("pricing", "job_finished", "c1", ""), "spot.v1.pricing.job_finished.c1._");
    }

    #[test]
    fn every_stream_has_a_distinct_filter() {
        let mut filters: Vec<String> = ALL_STREAMS.iter().map(StreamDef::subject_filter).collect();
        filters.sort();
        filters.dedup();
        assert_eq!(filters.len(), ALL_STREAMS.len());
        assert_eq!(INGEST.subject_filter(), "spot.v1.ingest.>");
        assert_eq!(dead_letter("lifecycle-heartbeats"), "spot.v1.dlq.lifecycle-heartbeats");
        assert_eq!(event_filter("ingest", "heartbeat"), "spot.v1.ingest.heartbeat.>");
    }
}
