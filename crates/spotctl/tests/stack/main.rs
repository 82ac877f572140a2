//! End-to-end tests: the whole stack in-process against real Postgres and a
//! private nats-server, driven over HTTP like an agent or operator would.
//! The tests that concern one service only live with it (services/gateway/tests,
//! services/emergency/tests); these cross services or test spotctl itself.

/// The stack helpers of the test kit, under the name the tests use.
use spot_testkit::stack as helpers;

mod abuse_limits;
mod asyncapi;
mod bad_input;
mod bus_outage;
mod dashboards;
mod decisions;
mod deploy_files;
mod export;
mod fleet;
mod fleet_reads;
mod heartbeat;
mod isolation;
mod isolation_matrix;
mod jobs;
mod k8s_manifests;
mod k8s_policies;
mod listing;
mod migrations;
mod openapi;
mod operators_reads;
mod pricing;
mod promotions;
mod replay_model;
mod v4_conversation;
