use spot_platform::store::{Migrator, connect};
use spot_testkit::{TestDatabase, TestNats};
use std::time::Duration;

#[tokio::test]
async fn every_service_migrates_up_down_up_on_a_fresh_database() -> anyhow::Result<()> {
    let database = TestDatabase::create().await?;
    let nats = TestNats::start().await?;
    let settings = spot_testkit::settings(&database, &nats)?;
    let db = connect(&settings, Duration::from_secs(5)).await?;
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
    let database = TestDatabase::create().await?;
    let nats = TestNats::start().await?;
    let settings = spot_testkit::settings(&database, &nats)?;
    let db = connect(&settings, Duration::from_secs(5)).await?;
    let m = Migrator::new(spot_lifecycle::SCHEMA, spot_lifecycle::MIGRATIONS)?;
    let (a, b, c) = tokio::join!(m.up(&db), m.up(&db), m.up(&db));
    assert_eq!(a? + b? + c?, spot_lifecycle::MIGRATIONS.len() + 1);
    Ok(())
}
