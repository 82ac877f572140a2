//! Test support: every test gets its own Postgres database and its own
//! `nats-server` (random port, temporary JetStream store), so tests run in
//! parallel against the real servers without seeing each other.

mod database;
mod nats;

pub use database::TestDatabase;
pub use nats::TestNats;

/// Settings pointing at a test database and a test NATS server, with every
/// listener on port 0.
pub fn settings(db: &TestDatabase, nats: &TestNats) -> anyhow::Result<spot_platform::Settings> {
    Ok(spot_platform::Settings::for_tests(&db.url, &nats.url)?)
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
