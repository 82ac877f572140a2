//! Where benches run: a throw-away database next to the configured one (and,
//! for benches that start the stack, a private nats-server), so a bench never
//! mixes with a running system's data or consumers.

use sea_orm::{ConnectionTrait, Database};
use uuid::Uuid;

/// A throw-away database next to the configured one.
pub struct BenchDatabase {
    pub name: String,
    pub url: String,
    admin_url: String,
}

impl BenchDatabase {
    pub async fn create(database_url: &str) -> anyhow::Result<Self> {
        let (base, query) = match database_url.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (database_url, String::new()),
        };
        let server = base.rsplit_once('/').map_or(base, |(s, _)| s);
        let name = format!("spot_bench_{}", Uuid::new_v4().simple());
        let admin_url = format!("{server}/postgres{query}");
        let admin = Database::connect(admin_url.as_str()).await?;
        admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
        admin.close().await?;
        Ok(Self { url: format!("{server}/{name}{query}"), name, admin_url })
    }

    pub async fn drop(self) -> anyhow::Result<()> {
        let admin = Database::connect(self.admin_url.as_str()).await?;
        admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).await?;
        admin.close().await?;
        Ok(())
    }
}
