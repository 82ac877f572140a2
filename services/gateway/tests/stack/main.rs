//! The gateway end to end: the whole stack in-process (the test kit's
//! `TestStack`) against real Postgres and a private nats-server, driven over
//! HTTP: the admin API, tenants and tokens, the field's client dashboard,
//! the web app, the live event stream, notifications and webhooks, and
//! load shedding.

/// The stack helpers of the test kit, under the name the tests use.
use spot_testkit::stack as helpers;

mod admin;
mod client_dashboard;
mod event_stream;
mod load_shedding;
mod notifications;
mod tenants_admin;
mod web_app;
mod webhooks_https;
