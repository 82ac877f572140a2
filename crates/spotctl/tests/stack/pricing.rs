//! Pricing end to end: v4 pricing reports through the gateway, staging,
//! an on-demand consolidation through the admin API, and the operator's
//! history (JSON and CSV), jobs and error answers.

use crate::helpers::*;
use chrono::{Duration as ChronoDuration, DurationRound, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::time::Duration;

const POOL: &str = "t3.medium.us-east-1a";

async fn staged(t: &TestStack) -> anyhow::Result<i64> {
    let row =
        t.db.query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) FROM pricing.spot_price_snapshots".to_owned(),
        ))
        .await?
        .ok_or_else(|| anyhow::anyhow!("no row"))?;
    Ok(row.try_get_by_index::<i64>(0)?)
}

#[tokio::test]
async fn reports_consolidate_into_history_with_provenance() -> anyhow::Result<()> {
    let (t, token, agent) = TestStack::with_agent("acme").await?;
    let hour = Utc::now().duration_trunc(ChronoDuration::hours(1))?;
    let (start, end) = (hour - ChronoDuration::hours(1), hour);

    // Two reports 20 minutes apart: buckets 10 and 30 minutes into the window.
    let fixture = fixture_body("post_pricing-report")?;
    let pools = fixture["pricing"]["spot_pools"].as_array().map_or(0, Vec::len) as i64;
    for (minute, price) in [(11, 0.030), (31, 0.050)] {
        let mut body = fixture.clone();
        let at = start + ChronoDuration::minutes(minute);
        body["pricing"]["collected_at"] = at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string().into();
        if let Some(list) = body["pricing"]["spot_pools"].as_array_mut() {
            for p in list {
                p["price"] = price.into();
            }
        }
        let (status, _, answer) = t
            .send("POST", &format!("/api/agents/{agent}/pricing-report"), &token, Some(&body.to_string()))
            .await?;
        assert_eq!(status, 200, "{answer}");
    }
    eventually("reports staged", Duration::from_secs(10), async || staged(&t).await, |n| *n >= 2 * pools)
        .await?;

    let job = spotctl::admin::consolidate(&t.base, ADMIN, Some(&start.to_rfc3339()), Some(&end.to_rfc3339()))
        .await?;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["records_processed"], 2 * pools);
    assert_eq!(job["gaps_interpolated"], 3 * pools, "buckets 15, 20, 25 of every pool");
    assert!(job["backfill"].as_str().is_some_and(|b| b.starts_with("skipped")), "{job}");

    let path = format!(
        "/api/pricing/pools/{POOL}/history?from={}&to={}",
        start.format("%Y-%m-%dT%H:%M:%SZ"),
        end.format("%Y-%m-%dT%H:%M:%SZ")
    );
    let (status, _, history) = t.send("GET", &path, &token, None).await?;
    assert_eq!(status, 200, "{history}");
    let points: Vec<(String, f64)> = history["points"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| (p["source"].as_str().unwrap_or("").to_owned(), p["price"].as_f64().unwrap_or(-1.0)))
                .collect()
        })
        .unwrap_or_default();
    let want = [
        ("agent", 0.030),
        ("interpolated", 0.035),
        ("interpolated", 0.040),
        ("interpolated", 0.045),
        ("agent", 0.050),
    ];
    assert_eq!(points.len(), want.len(), "{history}");
    for ((source, price), (want_source, want_price)) in points.iter().zip(want) {
        assert_eq!(source, want_source);
        assert!((price - want_price).abs() < 1e-9, "{price} vs {want_price}");
    }

    // CSV export of the same points.
    let csv = t.http.get(t.url(&format!("{path}&format=csv"))).bearer_auth(&token).send().await?;
    assert_eq!(csv.status().as_u16(), 200);
    assert!(csv.headers()["content-type"].to_str()?.starts_with("text/csv"));
    let text = csv.text().await?;
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("bucket_start,price,source,samples"));
    assert_eq!(lines.filter(|l| l.contains(",interpolated,0")).count(), 3, "{text}");

    // Running the same window again changes nothing.
    let again =
        spotctl::admin::consolidate(&t.base, ADMIN, Some(&start.to_rfc3339()), Some(&end.to_rfc3339()))
            .await?;
    assert_eq!(again["status"], "succeeded");
    let (_, _, history_again) = t.send("GET", &path, &token, None).await?;
    assert_eq!(history_again, history);

    let (status, _, jobs) = t.send("GET", "/api/pricing/consolidation-jobs", &token, None).await?;
    assert_eq!(status, 200);
    assert_eq!(jobs["jobs"].as_array().map(Vec::len), Some(2), "{jobs}");

    // Bad input: typed 4xx, never 5xx.
    for bad in [
        "/api/pricing/pools/not-a-pool/history".to_owned(),
        format!("/api/pricing/pools/{POOL}/history?format=xml"),
        format!("/api/pricing/pools/{POOL}/history?from=yesterday"),
        "/api/savings?granularity=week".to_owned(),
    ] {
        let (status, _, body) = t.send("GET", &bad, &token, None).await?;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_field")), "{bad}: {body}");
    }
    let (status, _, _) = t.send("POST", "/api/admin/pricing/consolidate", &token, Some("{}")).await?;
    assert!(status == 401 || status == 403, "a tenant token cannot run consolidations: {status}");
    Ok(())
}
