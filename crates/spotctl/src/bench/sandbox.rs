//! Where benches run: a throw-away database next to the configured one (and,
//! for benches that start the stack, a private nats-server), so a bench never
//! mixes with a running system's data or consumers.

use super::procs::{self, ServiceProcs};
use sea_orm::{ConnectionTrait, Database};
use spot_platform::Settings;
use spot_testkit::TestNats;
use std::path::PathBuf;
use std::time::Duration;
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

/// What a bench against the five service binaries runs in: its database,
/// its nats-server and the admin token the services were given.
pub struct Sandbox {
    pub db: BenchDatabase,
    pub nats: TestNats,
    pub admin: String,
}

/// Starts the five service binaries (from `bin_dir`, else next to this
/// binary) on a fresh [`Sandbox`], runs `work`, then stops the services and
/// drops the sandbox whatever `work` returned. `bench` names the bench in
/// progress lines.
pub async fn with_services<T>(
    bench: &str,
    settings: &Settings,
    bin_dir: Option<&PathBuf>,
    work: impl AsyncFnOnce(&mut ServiceProcs, &Sandbox) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    // Five services share Postgres' 100 connections: keep every pool at 16 or less.
    let pool = settings.database_max_connections.min(16);
    with_services_at(bench, settings.database_url.expose(), pool, bin_dir, work).await
}

/// [`with_services`] with the sandbox's database on the server of
/// `database_url` and `pool` connections per service.
pub async fn with_services_at<T>(
    bench: &str,
    database_url: &str,
    pool: u32,
    bin_dir: Option<&PathBuf>,
    work: impl AsyncFnOnce(&mut ServiceProcs, &Sandbox) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let db = BenchDatabase::create(database_url).await?;
    let nats = TestNats::start().await?;
    let sandbox = Sandbox { db, nats, admin: format!("bench-{}", Uuid::new_v4().simple()) };
    let bin_dir = match bin_dir {
        Some(dir) => dir.clone(),
        None => procs::binary_dir()?,
    };
    let Sandbox { db, nats, admin } = &sandbox;
    let outcome = match ServiceProcs::start(&bin_dir, &db.url, &nats.url, admin, pool).await {
        Ok(mut services) => {
            eprintln!("bench {bench}: services up, logs in {}", services.log_dir.display());
            let result = work(&mut services, &sandbox).await;
            services.stop(Duration::from_secs(10)).await;
            result
        }
        Err(e) => Err(e),
    };
    let Sandbox { db, nats, .. } = sandbox;
    drop(nats);
    let dropped = db.drop().await;
    let value = outcome?;
    dropped?;
    Ok(value)
}
