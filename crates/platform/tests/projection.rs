//! The projection helper against real Postgres: newer versions win, older
//! and repeated ones change nothing, whatever order they arrive in.

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use spot_platform::projection::{ProjectedRow, Projection};
use spot_testkit::TestDatabase;

const COPY: Projection =
    Projection { table: "copy.agents", key: "agent_id", version: "version", columns: &["status", "role"] };

fn row(agent: uuid::Uuid, version: i64, status: &str, role: Option<&str>) -> ProjectedRow {
    ProjectedRow { key: agent.into(), version, values: vec![status.into(), role.map(str::to_owned).into()] }
}

async fn stored(
    db: &impl ConnectionTrait,
    agent: uuid::Uuid,
) -> anyhow::Result<(i64, String, Option<String>)> {
    let found = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT version, status, role FROM copy.agents WHERE agent_id = $1",
            [agent.into()],
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row"))?;
    Ok((found.try_get("", "version")?, found.try_get("", "status")?, found.try_get("", "role")?))
}

#[tokio::test]
async fn newer_versions_win_and_older_or_repeated_ones_change_nothing() -> anyhow::Result<()> {
    let test_db = TestDatabase::create().await?;
    let db = Database::connect(&test_db.url).await?;
    db.execute_unprepared(
        "CREATE SCHEMA copy; CREATE TABLE copy.agents (agent_id uuid PRIMARY KEY, version bigint NOT NULL,
         status text NOT NULL, role text)",
    )
    .await?;
    let agent = uuid::Uuid::now_v7();

    assert!(COPY.apply(&db, row(agent, 2, "ONLINE", Some("PRIMARY"))).await?);
    assert_eq!(stored(&db, agent).await?, (2, "ONLINE".into(), Some("PRIMARY".into())));

    // Older (out of order) and repeated (redelivered) events are skipped.
    assert!(!COPY.apply(&db, row(agent, 1, "REGISTERED", None)).await?);
    assert!(!COPY.apply(&db, row(agent, 2, "OFFLINE", None)).await?);
    assert_eq!(stored(&db, agent).await?, (2, "ONLINE".into(), Some("PRIMARY".into())));

    // A newer one replaces every column, NULLs included.
    assert!(COPY.apply(&db, row(agent, 5, "OFFLINE", None)).await?);
    assert_eq!(stored(&db, agent).await?, (5, "OFFLINE".into(), None));

    // Inside a transaction it commits or rolls back with the caller's work.
    let other = uuid::Uuid::now_v7();
    let tx = sea_orm::TransactionTrait::begin(&db).await?;
    assert!(COPY.apply(&tx, row(other, 1, "ONLINE", None)).await?);
    tx.rollback().await?;
    assert!(stored(&db, other).await.is_err(), "rolled back with the transaction");

    // A row that does not match the columns is an error, not a partial write.
    let bad = ProjectedRow { key: agent.into(), version: 9, values: vec!["ONLINE".into()] };
    assert!(COPY.apply(&db, bad).await.is_err());
    assert_eq!(stored(&db, agent).await?.0, 5);
    Ok(())
}
