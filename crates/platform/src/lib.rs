//! Shared runtime of every Spot service: layered configuration, telemetry
//! (logs, Prometheus metrics, OpenTelemetry traces), the JetStream bus
//! (streams, publishing, batched durable consumers, dead letters), the Postgres
//! store (connections, per-service schema migrations, outbox relay, inbox),
//! health endpoints and graceful shutdown.
//!
//! It knows nothing about agents or prices: services bring their own handlers.

pub mod bus;
pub mod cli;
pub mod config;
pub mod db_metrics;
pub mod grpc;
pub mod health;
pub mod heap;
pub mod http;
pub mod metrics;
pub mod projection;
pub mod service;
pub mod shutdown;
pub mod store;
pub mod telemetry;
pub mod time;

pub use config::{ConfigError, Secret, Settings};
pub use service::{RunningService, ServiceContext, StartError};
pub use shutdown::Shutdown;
