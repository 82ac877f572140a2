//! `spot-lifecycle`: the lifecycle service as its own process.

spot_platform::service_main!(
    spot_lifecycle,
    "Agents, groups, instances, commands and the audit log: applies heartbeats and reports, serves lifecycle gRPC"
);
