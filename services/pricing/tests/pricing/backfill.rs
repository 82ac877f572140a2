use crate::helpers::*;
use spot_cloud::{AwsSettings, SpotPriceHistory};
use spot_pricing::consolidation::{Consolidator, backfill::Backfill};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The moto EC2 emulator with a seeded spot price history (tests/moto/).
struct Moto {
    child: Child,
    endpoint: String,
    _dir: tempfile::TempDir,
}

impl Moto {
    async fn start(history: &serde_json::Value) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("history.json");
        std::fs::write(&file, history.to_string())?;
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let script =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/moto/spot_history_server.py");
        let child = Command::new("python3")
            .arg(script)
            .arg(port.to_string())
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let deadline = Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            anyhow::ensure!(Instant::now() < deadline, "moto did not start (is moto[server] installed?)");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(Self { child, endpoint: format!("http://127.0.0.1:{port}"), _dir: dir })
    }

    fn client(&self) -> SpotPriceHistory {
        SpotPriceHistory::new(AwsSettings {
            endpoint: Some(self.endpoint.clone()),
            access_key_id: Some("testing".into()),
            secret_access_key: Some("testing".into()),
            product_description: None,
        })
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn change(ty: &str, az: &str, minutes: i64, price: f64) -> serde_json::Value {
    serde_json::json!({"instance_type": ty, "az": az, "timestamp": at(minutes).to_rfc3339(), "price": price})
}

#[tokio::test]
async fn spot_price_history_follows_every_page() -> anyhow::Result<()> {
    let mut history: Vec<serde_json::Value> =
        (0..2500).map(|i| change("t3.medium", "us-east-1a", -i, 0.01 + i as f64 * 1e-6)).collect();
    history.push(change("t3.medium", "us-east-1b", 0, 9.0)); // other AZ: filtered out
    history.push(change("m5.large", "us-east-1a", 0, 9.0)); // other type: filtered out
    let moto = Moto::start(&serde_json::Value::Array(history)).await?;
    let changes = moto.client().fetch("us-east-1", "t3.medium", "us-east-1a", at(-3000), at(10)).await?;
    assert_eq!(changes.len(), 2500, "three pages of 1000, 1000 and 500");
    assert!(changes.windows(2).all(|w| w[0].at <= w[1].at), "sorted by time");
    assert!(changes.iter().all(|c| c.az == "us-east-1a" && c.instance_type == "t3.medium"));
    Ok(())
}

#[tokio::test]
async fn backfill_fills_only_where_agents_left_nothing_and_flags_it() -> anyhow::Result<()> {
    let env = env().await?;
    let pool = "t3.medium.us-east-1a";
    // Agents reported buckets 0 and 20 only.
    snapshot(&env.db, pool, 0, 0.010, "PRIMARY").await?;
    snapshot(&env.db, pool, 20, 0.040, "PRIMARY").await?;
    // A quiet pool: agent data yesterday, nothing in the window.
    snapshot(&env.db, "t3.medium.us-east-1b", -600, 0.020, "PRIMARY").await?;
    let history = serde_json::json!([
        change("t3.medium", "us-east-1a", -60, 0.015), // in force from before the window
        change("t3.medium", "us-east-1a", 12, 0.030),  // a change inside bucket 10
        change("t3.medium", "us-east-1b", -30, 0.021),
    ]);
    let moto = Moto::start(&history).await?;
    let consolidator = Consolidator {
        db: env.db.clone(),
        backfill: Backfill::Aws(moto.client()),
        bucket: chrono::Duration::minutes(5),
    };
    let job = consolidator.run("manual", at(0), at(30)).await?;
    assert_eq!(job.status, "succeeded", "{job:?}");
    assert_eq!(job.backfill, "aws");
    let got = consolidated(&env.db, pool).await?;
    let sources: Vec<(i64, &str)> = got.iter().map(|(m, _, s)| (*m, s.as_str())).collect();
    assert_eq!(
        sources,
        vec![
            (0, "agent"),
            (5, "backfilled"),
            (10, "backfilled"),
            (15, "backfilled"),
            (20, "agent"),
            (25, "backfilled")
        ]
    );
    let price = |m: i64| got.iter().find(|p| p.0 == m).map(|p| p.1).unwrap_or(f64::NAN);
    assert_eq!((price(0), price(20)), (0.010, 0.040), "agent points are never replaced");
    assert_eq!((price(5), price(10), price(15)), (0.015, 0.030, 0.030));
    let quiet = consolidated(&env.db, "t3.medium.us-east-1b").await?;
    assert_eq!(quiet.len(), 6);
    assert!(quiet.iter().all(|(_, p, s)| s == "backfilled" && (*p - 0.021).abs() < 1e-12), "{quiet:?}");
    assert_eq!(job.backfills_added, 4 + 6);
    Ok(())
}
