//! End-to-end tests: the whole stack in-process against real Postgres and a
//! private nats-server, driven over HTTP like an agent or operator would.

mod admin;
mod asyncapi;
mod bad_input;
mod bus_outage;
mod client_dashboard;
mod dashboards;
mod decisions;
mod deploy_files;
mod emergency;
mod emergency_v4;
mod event_stream;
mod export;
mod fleet;
mod fleet_reads;
mod heartbeat;
mod helpers;
mod isolation;
mod jobs;
mod k8s_manifests;
mod k8s_policies;
mod listing;
mod mass_interruption;
mod migrations;
mod notifications;
mod openapi;
mod operators_reads;
mod pricing;
mod promotions;
mod replay_model;
mod tenants_admin;
mod v4_conversation;
mod web_app;
mod webhooks_https;
