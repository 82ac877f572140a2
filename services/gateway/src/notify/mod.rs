//! In-app notifications (docs/NOTIFICATIONS.md): durable consumers of the
//! bus turn the events a tenant must hear about into rows of
//! `gateway.notifications` (`mapping` decides, `consumer` applies) and, in
//! the same transaction, one pending delivery per matching webhook (the
//! outbox the webhook worker sends from). `store` holds the SQL the API
//! reads and marks with.

pub mod consumer;
pub mod mapping;
pub mod store;
