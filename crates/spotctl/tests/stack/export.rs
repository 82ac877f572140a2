//! The training export against a real, migrated database: prices of two
//! pools over four buckets with notices, a switch, a replica and a PRIMARY,
//! written by `spotctl export training` and streamed by the gateway's
//! `GET /api/admin/export/training`, each read back column by column with
//! the parquet crate.

use crate::helpers::{ADMIN, TestStack};
use chrono::{DateTime, Duration as ChronoDuration, TimeZone, Utc};
use parquet::basic::{LogicalType, Type as PhysicalType};
use parquet::file::reader::{ChunkReader, FileReader, SerializedFileReader};
use parquet::record::RowAccessor;
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use spot_platform::store::connect;
use spot_testkit::TestDatabase;
use spotctl::export::{TrainingArgs, training};
use std::time::Duration;

const A: &str = "m5.large.us-east-1a";
const B: &str = "m5.large.us-east-1b";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).single().unwrap_or_default()
}

fn at(bucket: i64, secs: i64) -> DateTime<Utc> {
    t0() + ChronoDuration::seconds(bucket * 300 + secs)
}

async fn exec<C: ConnectionTrait>(db: &C, sql: &str, values: Vec<Value>) -> anyhow::Result<()> {
    db.execute_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, values)).await?;
    Ok(())
}

fn args(from: &str, to: &str, out: &std::path::Path) -> TrainingArgs {
    TrainingArgs { from: from.into(), to: to.into(), out: out.to_owned(), bucket_seconds: 300, page_rows: 3 }
}

const SOURCES: [&str; 5] = ["agent", "interpolated", "backfilled", "agent", "agent"];

/// Prices of buckets 0..=4 of both pools (bucket 4 lies outside the
/// exported range), a terminated-with-missed-deadline notice and an
/// emergency switch B -> A in bucket 1, a rebalance in A in bucket 2, a
/// replica launched in B in bucket 3, and the PRIMARY in A since bucket 1.
async fn seed(db: &sea_orm::DatabaseConnection) -> anyhow::Result<()> {
    // Prices: buckets 0..4 of both pools, plus bucket 4 (outside the range).
    for (b, source) in SOURCES.iter().enumerate() {
        for (pool, az, price) in [(A, "us-east-1a", 0.03), (B, "us-east-1b", 0.04)] {
            exec(
                db,
                "INSERT INTO pricing.pricing_canonical (pool_id, bucket_start, region, instance_type, az, price, source)
                 VALUES ($1, $2, 'us-east-1', 'm5.large', $3, $4, $5)",
                vec![pool.into(), at(b as i64, 0).into(), az.into(), (price + b as f64 / 1000.0).into(), (*source).into()],
            )
            .await?;
        }
    }
    let client = uuid::Uuid::new_v4();
    let group = uuid::Uuid::new_v4();
    let agent = uuid::Uuid::new_v4();
    exec(
        db,
        "INSERT INTO lifecycle.groups (id, client_id, logical_agent_id) VALUES ($1, $2, 'web')",
        vec![group.into(), client.into()],
    )
    .await?;
    // Bucket 1: B is reclaimed (a missed deadline) and an emergency switch moves B -> A.
    exec(
        db,
        "INSERT INTO emergency.notices (id, client_id, agent_id, group_id, instance_id, pool_id, kind, status, notice_time, deadline, deadline_missed)
         VALUES ($1, $2, $3, $4, 'i-1', $5, 'termination', 'resolved', $6, $7, true)",
        vec![uuid::Uuid::new_v4().into(), client.into(), agent.into(), group.into(), B.into(), at(1, 10).into(), at(1, 130).into()],
    )
    .await?;
    exec(
        db,
        "INSERT INTO lifecycle.switches (id, client_id, group_id, agent_id, old_instance_id, new_instance_id, old_pool_id, new_pool_id, trigger, old_role_after, created_at)
         VALUES ($1, $2, $3, $4, 'i-1', 'i-2', $5, $6, 'emergency', 'TERMINATED', $7)",
        vec![uuid::Uuid::new_v4().into(), client.into(), group.into(), agent.into(), B.into(), A.into(), at(1, 40).into()],
    )
    .await?;
    exec(
        db,
        "INSERT INTO lifecycle.instances (id, group_id, instance_id, role, pool_id, role_changed_at)
         VALUES ($1, $2, 'i-2', 'PRIMARY', $3, $4)",
        vec![uuid::Uuid::new_v4().into(), group.into(), A.into(), at(1, 40).into()],
    )
    .await?;
    // Bucket 2: a rebalance recommendation in A; bucket 3: a replica launched in B.
    exec(
        db,
        "INSERT INTO emergency.notices (id, client_id, agent_id, group_id, instance_id, pool_id, kind, status, notice_time)
         VALUES ($1, $2, $3, $4, 'i-2', $5, 'rebalance', 'detected', $6)",
        vec![uuid::Uuid::new_v4().into(), client.into(), agent.into(), group.into(), A.into(), at(2, 299).into()],
    )
    .await?;
    exec(
        db,
        "INSERT INTO lifecycle.replicas (id, group_id, agent_id, instance_id, replica_type, pool_id, status, launched_at)
         VALUES ($1, $2, $3, 'i-3', 'manual', $4, 'ready', $5)",
        vec![uuid::Uuid::new_v4().into(), group.into(), agent.into(), B.into(), at(3, 5).into()],
    )
    .await?;

    Ok(())
}

/// Reads a training file back: 8 rows in 3 row groups of (at most) 3 rows,
/// the column types, and every value, flag and count.
fn check_file<R: ChunkReader + 'static>(file: R) -> anyhow::Result<()> {
    let reader = SerializedFileReader::new(file)?;
    let meta = reader.metadata();
    assert_eq!(meta.file_metadata().num_rows(), 8);
    assert_eq!(meta.num_row_groups(), 3);
    let schema = meta.file_metadata().schema_descr();
    let column = |name: &str| {
        (0..schema.num_columns())
            .map(|i| schema.column(i))
            .find(|c| c.name() == name)
            .map(|c| (c.physical_type(), c.logical_type_ref().cloned()))
    };
    assert_eq!(column("pool_id"), Some((PhysicalType::BYTE_ARRAY, Some(LogicalType::String))));
    assert!(matches!(
        column("bucket_start"),
        Some((PhysicalType::INT64, Some(LogicalType::Timestamp(t)))) if t.is_adjusted_to_u_t_c
    ));
    assert_eq!(column("price").map(|c| c.0), Some(PhysicalType::DOUBLE));
    assert_eq!(column("from_agent").map(|c| c.0), Some(PhysicalType::BOOLEAN));
    assert_eq!(column("termination_notices").map(|c| c.0), Some(PhysicalType::INT32));

    let rows: Vec<_> = reader.get_row_iter(None)?.collect::<Result<_, _>>()?;
    assert_eq!(rows.len(), 8);
    // (bucket, pool) order; columns as parquet_file::SCHEMA lists them.
    for (n, row) in rows.iter().enumerate() {
        let (bucket, pool) = (n as i64 / 2, if n % 2 == 0 { A } else { B });
        assert_eq!(row.get_string(0)?, pool);
        assert_eq!(row.get_timestamp_millis(1)?, at(bucket, 0).timestamp_millis());
        assert_eq!(row.get_string(2)?, "us-east-1");
        assert_eq!(row.get_string(4)?, "m5.large");
        let base = if pool == A { 0.03 } else { 0.04 };
        assert!((row.get_double(5)? - (base + bucket as f64 / 1000.0)).abs() < 1e-12);
        let source = SOURCES[bucket as usize];
        assert_eq!(row.get_string(6)?, source);
        assert_eq!(
            (row.get_bool(7)?, row.get_bool(8)?, row.get_bool(9)?),
            (source == "agent", source == "interpolated", source == "backfilled"),
            "flags of row {n}"
        );
        let counts: Vec<i32> = (10..18).map(|i| row.get_int(i)).collect::<Result<_, _>>()?;
        let expected = match (bucket, pool) {
            // termination, rebalance, missed, in, out, emergency, replicas, primaries
            (1, B) => [1, 0, 1, 0, 1, 0, 0, 0],
            (1, A) => [0, 0, 0, 1, 0, 1, 0, 1],
            (2, A) => [0, 1, 0, 0, 0, 0, 0, 1],
            (3, A) => [0, 0, 0, 0, 0, 0, 0, 1],
            (3, B) => [0, 0, 0, 0, 0, 0, 1, 0],
            _ => [0; 8],
        };
        assert_eq!(counts, expected, "features of {pool} at bucket {bucket}");
    }

    Ok(())
}

#[tokio::test]
async fn training_export_reads_back_with_rows_types_and_flags() -> anyhow::Result<()> {
    let database = TestDatabase::create().await?;
    let settings = spot_testkit::settings_at(&database.url, "nats://127.0.0.1:1")?;
    spotctl::migrate::run(&settings, None, spotctl::migrate::Direction::Up).await?;
    let db = connect(&settings, Duration::from_secs(5)).await?;
    seed(&db).await?;

    let dir = std::env::temp_dir().join(format!("spot-export-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let out = dir.join("training.parquet");
    let mut seen = Vec::new();
    let summary = training(&db, &args("2026-11-01", "2026-11-01T00:20:00Z", &out), &mut |done, total| {
        seen.push((done, total))
    })
    .await?;
    assert_eq!((summary.rows, summary.row_groups), (8, 3));
    assert_eq!(seen, vec![(3, 8), (6, 8), (8, 8)], "progress after every row group");
    assert!(!dir.join("training.parquet.part").exists());

    check_file(std::fs::File::open(&out)?)?;

    // Refused: inverted, empty, and a range without prices (no file left).
    let inverted = training(&db, &args("2026-11-02", "2026-11-01", &out), &mut |_, _| {}).await;
    assert!(inverted.is_err_and(|e| e.to_string().contains("inverted range")));
    let empty = training(&db, &args("2026-11-01", "2026-11-01T00:00:00Z", &out), &mut |_, _| {}).await;
    assert!(empty.is_err_and(|e| e.to_string().contains("empty range")));
    let nothing = dir.join("nothing.parquet");
    let none = training(&db, &args("2025-01-01", "2025-01-02", &nothing), &mut |_, _| {}).await;
    assert!(none.is_err_and(|e| e.to_string().contains("nothing to export")));
    assert!(!nothing.exists());
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

/// The error body's code.
async fn code(resp: reqwest::Response) -> anyhow::Result<(u16, String)> {
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await?;
    Ok((status, body["error"]["code"].as_str().unwrap_or_default().to_owned()))
}

#[tokio::test]
async fn the_admin_endpoint_streams_the_same_file_and_refuses_bad_ranges() -> anyhow::Result<()> {
    let t = TestStack::start().await?;
    seed(&t.db).await?;
    let url = |query: &str| t.url(&format!("/api/admin/export/training{query}"));
    let get = |query: &str| t.http.get(url(query)).bearer_auth(ADMIN).send();

    // Three rows a page: three row groups, streamed one after the other.
    let resp = get("?from=2026-11-01&to=2026-11-01T00:20:00Z&page_rows=3").await?;
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(
        resp.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/vnd.apache.parquet")
    );
    assert!(
        resp.headers()
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("training-20261101T000000Z-20261101T002000Z.parquet"))
    );
    let body = resp.bytes().await?;
    check_file(body)?;

    // Only the admin token.
    let (_, tenant_token) = t.tenant("exporter").await?;
    let as_tenant =
        t.http.get(url("?from=2026-11-01&to=2026-11-02")).bearer_auth(&tenant_token).send().await?;
    assert_eq!(code(as_tenant).await?, (401, "unauthorized".to_owned()));
    let anonymous = t.http.get(url("?from=2026-11-01&to=2026-11-02")).send().await?;
    assert_eq!(code(anonymous).await?, (401, "unauthorized".to_owned()));

    // Bad ranges: typed 4xx with stable codes, never a 5xx.
    for (query, want) in [
        ("?from=2026-11-02&to=2026-11-01", (400, "inverted_range")),
        ("?from=2026-11-01&to=2026-11-01T00:00:00Z", (400, "empty_range")),
        ("?to=2026-11-01", (400, "invalid_field")),
        ("?from=yesterday&to=2026-11-01", (400, "invalid_field")),
        ("?from=2026-11-01&to=2026-11-02&page_rows=0", (400, "invalid_field")),
        ("?from=2026-11-01&to=2026-11-02&bucket_seconds=-5", (400, "invalid_field")),
        ("?from=2025-01-01&to=2025-01-02", (422, "nothing_to_export")),
    ] {
        let (status, code) = code(get(query).await?).await?;
        assert_eq!((status, code.as_str()), want, "{query}");
    }

    // Every status it answers is in the OpenAPI document, with its codes.
    let doc: serde_json::Value = t.http.get(t.url("/openapi.json")).send().await?.json().await?;
    let responses = &doc["paths"]["/api/admin/export/training"]["get"]["responses"];
    for status in ["200", "400", "401", "403", "422", "500", "503"] {
        assert!(responses[status].is_object(), "{status} undocumented: {responses}");
    }
    let described = |status: &str| responses[status]["description"].as_str().unwrap_or_default().to_owned();
    assert!(described("400").contains("inverted_range") && described("400").contains("empty_range"));
    assert!(described("422").contains("nothing_to_export"));
    assert!(responses["200"]["content"]["application/vnd.apache.parquet"].is_object(), "{responses}");
    Ok(())
}
