//! `spot-gateway`: the gateway service as its own process.

spot_platform::service_main!(
    spot_gateway,
    "HTTP edge for agents v4 and operators: authenticates, publishes reports to JetStream, answers from the services over gRPC"
);
