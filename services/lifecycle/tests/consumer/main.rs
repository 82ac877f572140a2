//! Heartbeat consumer against real Postgres and a private nats-server.

mod helpers;
mod inbox;
mod linger;
mod restart;
mod retention;
