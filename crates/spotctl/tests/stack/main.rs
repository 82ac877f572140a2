//! End-to-end tests: the whole stack in-process against real Postgres and a
//! private nats-server, driven over HTTP like an agent or operator would.

mod admin;
mod bad_input;
mod bus_outage;
mod client_dashboard;
mod decisions;
mod deploy_files;
mod emergency;
mod emergency_v4;
mod export;
mod fleet;
mod heartbeat;
mod helpers;
mod isolation;
mod jobs;
mod k8s_manifests;
mod listing;
mod mass_interruption;
mod migrations;
mod openapi;
mod pricing;
mod promotions;
mod replay_model;
mod v4_conversation;
