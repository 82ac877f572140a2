//! A fresh Postgres database per test, dropped when the test ends.

use sea_orm::{ConnectionTrait, Database};

/// Admin URL used to create and drop test databases.
fn admin_url() -> String {
    std::env::var("SPOT_TEST_PG_ADMIN_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A database named `spot_test_<uuid>`.
#[derive(Debug)]
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    /// Creates the database.
    pub async fn create() -> anyhow::Result<Self> {
        let name = format!("spot_test_{}", uuid::Uuid::new_v4().simple());
        let admin = admin_url();
        let conn = Database::connect(admin.as_str()).await?;
        conn.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
        conn.close().await?;
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap_or(admin);
        Ok(Self { url: format!("{base}/{name}"), name })
    }
}

impl TestDatabase {
    /// Settings pointing at this database and at no message bus (a port
    /// nothing listens on): for tests of storage and logic that publish nothing.
    pub fn settings_without_bus(&self) -> anyhow::Result<spot_platform::Settings> {
        Ok(spot_platform::Settings::for_tests(&self.url, "nats://127.0.0.1:1")?)
    }

    /// A connection to this database with `schema` migrated (and no bus).
    pub async fn migrated(
        &self,
        schema: &'static str,
        migrations: &[spot_platform::store::Migration],
    ) -> anyhow::Result<sea_orm::DatabaseConnection> {
        let settings = self.settings_without_bus()?;
        let db = spot_platform::store::connect(&settings, std::time::Duration::from_secs(5)).await?;
        spot_platform::store::Migrator::new(schema, migrations)?.up(&db).await?;
        Ok(db)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Dropped from a synchronous context: psql is the simplest client. A
        // leftover database (psql missing) is removed by `make test` next run.
        let _ = std::process::Command::new("psql")
            .args([
                admin_url().as_str(),
                "-qc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}
