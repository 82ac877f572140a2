//! Test support: every test gets its own Postgres database and its own
//! `nats-server` (random port, temporary JetStream store), so tests run in
//! parallel against the real servers without seeing each other. With the
//! `stack` feature, [`stack::TestStack`] runs every service in-process.

pub mod binary;
mod database;
mod eventually;
mod nats;
pub mod primaries;
#[cfg(feature = "stack")]
pub mod stack;

pub use database::TestDatabase;
pub use eventually::eventually;
pub use nats::TestNats;

/// Settings pointing at a test database and a test NATS server, with every
/// listener on port 0.
pub fn settings(db: &TestDatabase, nats: &TestNats) -> anyhow::Result<spot_platform::Settings> {
    settings_at(&db.url, &nats.url)
}

/// Every service's listen address (its own settings section), set to port 0
/// in tests so stacks run side by side.
const LISTENERS: [&str; 9] = [
    "SPOT_HTTP_ADDR",
    "SPOT_LIFECYCLE_HTTP_ADDR",
    "SPOT_LIFECYCLE_GRPC_ADDR",
    "SPOT_EMERGENCY_HTTP_ADDR",
    "SPOT_EMERGENCY_GRPC_ADDR",
    "SPOT_PRICING_HTTP_ADDR",
    "SPOT_PRICING_GRPC_ADDR",
    "SPOT_DECISIONS_HTTP_ADDR",
    "SPOT_DECISIONS_GRPC_ADDR",
];

/// [`settings`] for explicit URLs (benchmarks make their own database).
pub fn settings_at(database_url: &str, nats_url: &str) -> anyhow::Result<spot_platform::Settings> {
    let mut settings = spot_platform::Settings::for_tests(database_url, nats_url)?;
    for name in LISTENERS {
        settings.source.set(name, "127.0.0.1:0");
    }
    settings.source.set("SPOT_ADMIN_TOKEN", "test-admin-token");
    Ok(settings)
}

/// Installs a test-friendly log subscriber once (`SPOT_TEST_LOG` to see it).
pub fn init_logs() {
    if let Ok(filter) = std::env::var("SPOT_TEST_LOG") {
        let mut env = std::collections::BTreeMap::new();
        env.insert("SPOT_LOG".to_owned(), filter);
        env.insert("SPOT_LOG_FORMAT".to_owned(), "pretty".to_owned());
        if let Ok(settings) = spot_platform::Settings::load_from(&env) {
            let guard = spot_platform::telemetry::init("test", &settings);
            std::mem::forget(guard);
        }
    }
}
