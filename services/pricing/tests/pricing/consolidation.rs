use crate::helpers::*;
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use spot_pricing::consolidation::{Consolidator, backfill::Backfill};

const POOL: &str = "t3.medium.us-east-1a";

fn consolidator(env: &Env) -> Consolidator {
    Consolidator { db: env.db.clone(), backfill: Backfill::Off, bucket: chrono::Duration::minutes(5) }
}

async fn seed(env: &Env) -> anyhow::Result<()> {
    // Bucket 0: PRIMARY 0.010 beats REPLICA 0.050; bucket 5: median of three PRIMARY values;
    // buckets 10 and 15 empty (interpolated); bucket 20: 0.040; after that nothing (no extrapolation).
    snapshot(&env.db, POOL, 0, 0.010, "PRIMARY").await?;
    snapshot(&env.db, POOL, 1, 0.050, "REPLICA").await?;
    snapshot(&env.db, POOL, 5, 0.020, "PRIMARY").await?;
    snapshot(&env.db, POOL, 6, 0.030, "PRIMARY").await?;
    snapshot(&env.db, POOL, 7, 0.025, "PRIMARY").await?;
    snapshot(&env.db, POOL, 21, 0.040, "REPLICA").await?;
    Ok(())
}

#[tokio::test]
async fn consolidation_dedups_interpolates_records_the_job_and_is_idempotent() -> anyhow::Result<()> {
    let env = env().await?;
    seed(&env).await?;
    // Staging older than the retention (8 days before the window) is pruned by the run.
    snapshot(&env.db, POOL, -9 * 24 * 60, 0.5, "PRIMARY").await?;
    snapshot(&env.db, POOL, -7 * 24 * 60, 0.5, "PRIMARY").await?;
    let job = consolidator(&env).run("manual", at(0), at(30)).await?;
    assert_eq!(job.status, "succeeded", "{job:?}");
    assert_eq!(
        (job.records_processed, job.duplicates_removed, job.gaps_interpolated, job.backfills_added),
        (6, 3, 2, 0)
    );
    assert!(job.backfill.starts_with("skipped"), "{}", job.backfill);
    assert_eq!(
        count(&env.db, "SELECT count(*) FROM pricing.spot_price_snapshots").await?,
        7,
        "one old row pruned"
    );
    let expected = vec![
        (0, 0.010, "agent".to_owned()),
        (5, 0.025, "agent".to_owned()),
        (10, 0.030, "interpolated".to_owned()),
        (15, 0.035, "interpolated".to_owned()),
        (20, 0.040, "agent".to_owned()),
    ];
    let got = consolidated(&env.db, POOL).await?;
    assert_eq!(got.len(), expected.len(), "{got:?}");
    for (g, e) in got.iter().zip(&expected) {
        assert_eq!((g.0, &g.2), (e.0, &e.2));
        assert!((g.1 - e.1).abs() < 1e-12, "{got:?}");
    }
    assert_eq!(count(&env.db, "SELECT count(*) FROM pricing.pricing_canonical WHERE region = 'us-east-1' AND instance_type = 't3.medium' AND az = 'us-east-1a'").await?, 5);

    // A full rebuild gives the same layer, with its key and index back under their names.
    let before = count(&env.db, "SELECT count(*) FROM pricing.pricing_canonical").await?;
    let txn = env.db.begin().await?;
    spot_pricing::store::canonical::rebuild(&txn, at(60)).await?;
    txn.commit().await?;
    assert_eq!(count(&env.db, "SELECT count(*) FROM pricing.pricing_canonical").await?, before);
    assert_eq!(
        count(
            &env.db,
            "SELECT count(*) FROM pg_indexes WHERE schemaname = 'pricing' AND tablename = 'pricing_canonical'
             AND indexname IN ('pricing_canonical_pkey', 'pricing_canonical_bucket')"
        )
        .await?,
        2
    );

    let again = consolidator(&env).run("manual", at(0), at(30)).await?;
    assert_eq!(again.status, "succeeded");
    assert_eq!(consolidated(&env.db, POOL).await?, got, "a second run changes nothing");
    assert_eq!(count(&env.db, "SELECT count(*) FROM pricing.pricing_canonical").await?, 5);
    assert_eq!(
        count(
            &env.db,
            "SELECT count(*) FROM pricing.outbox WHERE event_type = 'spot.v1.ConsolidationFinished'"
        )
        .await?,
        2
    );
    Ok(())
}

#[tokio::test]
async fn a_failed_run_changes_nothing_and_runs_are_one_at_a_time() -> anyhow::Result<()> {
    let env = env().await?;
    seed(&env).await?;
    let first = consolidator(&env).run("manual", at(0), at(30)).await?;
    let before = consolidated(&env.db, POOL).await?;
    snapshot(&env.db, POOL, 10, 0.5, "PRIMARY").await?; // would change bucket 10

    // Another replica holds the consolidation lock: this run must fail cleanly.
    let holder = env.db.begin().await?;
    holder
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [0x5350_4f54_434f_4e53_i64.into()],
        ))
        .await?;
    let failed = consolidator(&env).run("manual", at(0), at(30)).await?;
    holder.rollback().await?;
    assert_eq!(failed.status, "failed");
    assert!(failed.error.as_deref().is_some_and(|e| e.contains("another consolidation run")), "{failed:?}");
    assert_eq!(consolidated(&env.db, POOL).await?, before, "a failed run changes nothing");

    // A run already marked running makes a new one record 'skipped'.
    env.db
        .execute_unprepared(&format!(
            "UPDATE pricing.consolidation_jobs SET status = 'running' WHERE id = '{}'",
            first.id
        ))
        .await?;
    let skipped = consolidator(&env).run("schedule", at(0), at(30)).await?;
    assert_eq!(skipped.status, "skipped");
    Ok(())
}
