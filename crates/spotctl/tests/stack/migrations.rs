use crate::helpers::repo_root;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use spot_platform::Settings;
use spot_platform::store::{Migrator, connect};
use spot_testkit::{TestDatabase, TestNats};
use std::time::Duration;

/// A fresh database and NATS server, settings for them, and a connection
/// (keep the first two while the test runs).
async fn fresh() -> anyhow::Result<(TestDatabase, TestNats, Settings, DatabaseConnection)> {
    let database = TestDatabase::create().await?;
    let nats = TestNats::start().await?;
    let settings = spot_testkit::settings(&database, &nats)?;
    let db = connect(&settings, Duration::from_secs(5)).await?;
    Ok((database, nats, settings, db))
}

#[tokio::test]
async fn every_service_migrates_up_down_up_on_a_fresh_database() -> anyhow::Result<()> {
    let (_database, _nats, settings, db) = fresh().await?;
    for (schema, migrations) in spotctl::migrate::all() {
        let m = Migrator::new(schema, migrations)?;
        assert_eq!(m.up(&db).await?, migrations.len() + 1, "{schema} up");
        assert!(m.is_current(&db).await?);
        assert_eq!(m.up(&db).await?, 0, "{schema} up is idempotent");
        assert_eq!(m.down_to(&db, -1).await?, migrations.len() + 1, "{schema} down");
        assert!(m.applied(&db).await?.is_empty(), "{schema} down leaves nothing applied");
        assert_eq!(m.up(&db).await?, migrations.len() + 1, "{schema} up again");
        assert!(m.is_current(&db).await?);
    }
    // The CLI path does the same.
    let report = spotctl::migrate::run(&settings, None, spotctl::migrate::Direction::Up).await?;
    assert!(report.iter().all(|(_, n)| *n == 0));
    Ok(())
}

#[tokio::test]
async fn concurrent_migrators_do_not_collide() -> anyhow::Result<()> {
    let (_database, _nats, _settings, db) = fresh().await?;
    let m = Migrator::new(spot_lifecycle::SCHEMA, spot_lifecycle::MIGRATIONS)?;
    let (a, b, c) = tokio::join!(m.up(&db), m.up(&db), m.up(&db));
    assert_eq!(a? + b? + c?, spot_lifecycle::MIGRATIONS.len() + 1);
    Ok(())
}

/// deploy/postgres/roles.sql: every service migrates its schema as its own
/// role, and that role can read no other service's tables.
#[tokio::test]
async fn each_service_migrates_as_its_own_role_and_reads_no_other_schema() -> anyhow::Result<()> {
    let database = TestDatabase::create().await?;
    let admin = sea_orm::Database::connect(database.url.as_str()).await?;
    let roles = std::fs::read_to_string(repo_root().join("deploy/postgres/roles.sql"))?;
    admin.execute_unprepared(&roles).await?;
    admin.execute_unprepared(&roles).await?; // idempotent
    let as_role =
        |svc: &str| database.url.replacen("postgres://postgres@", &format!("postgres://spot_{svc}@"), 1);
    for (schema, migrations) in spotctl::migrate::all() {
        anyhow::ensure!(as_role(schema) != database.url, "test URL is not postgres://postgres@...");
        let own = sea_orm::Database::connect(as_role(schema).as_str()).await?;
        let m = Migrator::new(schema, migrations)?;
        assert_eq!(m.up(&own).await?, migrations.len() + 1, "{schema} migrates as spot_{schema}");
        assert!(m.is_current(&own).await?);
        own.close().await?;
    }
    let lifecycle = sea_orm::Database::connect(as_role("lifecycle").as_str()).await?;
    let foreign = lifecycle.execute_unprepared("SELECT count(*) FROM gateway.schema_migrations").await;
    let code = foreign.as_ref().err().and_then(spot_platform::store::sqlstate);
    assert_eq!(code.as_deref(), Some("42501"), "lifecycle's role reads gateway's tables: {foreign:?}");
    lifecycle.close().await?;
    // The training export's tables, and only those, are readable by the
    // gateway's role (migrations/*/..._training_export_read).
    let gateway = sea_orm::Database::connect(as_role("gateway").as_str()).await?;
    for table in [
        "pricing.pricing_canonical",
        "emergency.notices",
        "lifecycle.switches",
        "lifecycle.replicas",
        "lifecycle.instances",
    ] {
        gateway.execute_unprepared(&format!("SELECT count(*) FROM {table}")).await?;
    }
    for table in ["pricing.schema_migrations", "emergency.outbox", "lifecycle.agents"] {
        let read = gateway.execute_unprepared(&format!("SELECT count(*) FROM {table}")).await;
        let code = read.as_ref().err().and_then(spot_platform::store::sqlstate);
        assert_eq!(code.as_deref(), Some("42501"), "the gateway's role reads {table}: {read:?}");
    }
    gateway.close().await?;
    admin.close().await?;
    Ok(())
}
