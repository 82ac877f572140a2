//! https webhooks (docs/NOTIFICATIONS.md, "https"): the gateway's webhook
//! client speaks TLS (rustls, aws-lc, the platform verifier) and trusts the
//! extra CA certificates of `SPOT_WEBHOOK_CA_FILE`. A receiver whose
//! certificate that CA issued gets the signed delivery over TLS; one whose
//! certificate no trusted CA issued sees the handshake start and fail, and
//! its delivery is never sent (the log says the connection failed).

use crate::helpers::*;
use crate::notifications::{Received, SECRET, offline_agent, receiver_on, wait_for};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use serde_json::{Value, json};
use spot_gateway::webhooks::signature;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// A CA made for the test: its PEM, and an issuer for server certificates.
struct TestCa {
    pem: String,
    issuer: Issuer<'static, KeyPair>,
}

fn test_ca(name: &str) -> anyhow::Result<TestCa> {
    let mut params = CertificateParams::new(Vec::<String>::new())?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    let key = KeyPair::generate()?;
    let pem = params.self_signed(&key)?.pem();
    Ok(TestCa { pem, issuer: Issuer::new(params, key) })
}

/// An https receiver: its URL, what it received, TLS handshakes begun and completed.
struct TlsReceiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    begun: Arc<AtomicUsize>,
    done: Arc<AtomicUsize>,
}

/// An https receiver on 127.0.0.1 with a certificate for `127.0.0.1` and
/// `localhost` issued by `ca`: TLS terminated here, the plain request handed
/// to the tests' HTTP receiver (`notifications::receiver_on`).
async fn tls_receiver(ca: &TestCa) -> anyhow::Result<TlsReceiver> {
    let (plain_url, got) = receiver_on(0, vec![200]).await?;
    let plain = plain_url.trim_start_matches("http://").trim_end_matches("/hook").to_owned();
    let key = KeyPair::generate()?;
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?
        .signed_by(&key, &ca.issuer)?;
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = tokio_rustls::rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )?;
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("https://{}/hook", listener.local_addr()?);
    let (begun, done) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (begun_in, done_in) = (begun.clone(), done.clone());
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let (acceptor, plain, begun, done) =
                (acceptor.clone(), plain.clone(), begun_in.clone(), done_in.clone());
            tokio::spawn(async move {
                // A ClientHello arrived once the first bytes are readable.
                if sock.readable().await.is_ok() {
                    begun.fetch_add(1, Ordering::SeqCst);
                }
                let Ok(mut tls) = acceptor.accept(sock).await else { return };
                done.fetch_add(1, Ordering::SeqCst);
                if let Ok(mut upstream) = tokio::net::TcpStream::connect(&plain).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
                }
            });
        }
    });
    Ok(TlsReceiver { url, got, begun, done })
}

async fn deliveries(t: &TestStack, token: &str, hook: &str) -> anyhow::Result<Value> {
    let (status, log) = t.call("GET", &format!("/api/webhooks/{hook}/deliveries"), token, None, None).await?;
    anyhow::ensure!(status == 200, "deliveries: {status} {log}");
    Ok(log)
}

#[tokio::test]
async fn https_webhooks_are_delivered_to_trusted_receivers_only() -> anyhow::Result<()> {
    let trusted = test_ca("spot test CA")?;
    let stranger = test_ca("nobody trusts this CA")?;
    let ca_file = std::env::temp_dir().join(format!("spot-webhook-ca-{}.pem", uuid::Uuid::now_v7()));
    std::fs::write(&ca_file, &trusted.pem)?;
    let ca_path = ca_file.display().to_string();
    let t = TestStack::start_with(|s| {
        s.source.set("SPOT_WEBHOOK_CA_FILE", &ca_path);
        s.source.set("SPOT_WEBHOOK_RETRY_BASE_MS", "200");
        s.source.set("SPOT_WEBHOOK_MAX_ATTEMPTS", "2");
    })
    .await;
    let _ = std::fs::remove_file(&ca_file);
    let t = t?;
    let (_, token) = t.tenant("tls").await?;
    let good = tls_receiver(&trusted).await?;
    let bad = tls_receiver(&stranger).await?;

    let mut hooks = Vec::new();
    for url in [&good.url, &bad.url] {
        let body = json!({"url": url, "kinds": ["agent_offline"], "secret": SECRET}).to_string();
        let (status, created) = t.call("POST", "/api/webhooks", &token, Some(&body), None).await?;
        assert_eq!(status, 201, "{created}");
        hooks.push(created["id"].as_str().unwrap_or_default().to_owned());
    }

    // A real agent goes offline (the shutdown heartbeat v4 sends).
    offline_agent(&t, &token).await?;

    // The trusted receiver: one signed delivery, over TLS.
    let got = wait_for("the https delivery", async || {
        let got = good.got.lock().unwrap_or_else(|e| e.into_inner()).clone();
        Ok((!got.is_empty()).then_some(got))
    })
    .await?;
    let sig = got[0].header("X-Spot-Signature").unwrap_or_default();
    assert!(signature::verify(SECRET, &got[0].body, sig), "signature {sig:?} does not verify");
    assert_eq!(got[0].header("X-Spot-Event"), Some("agent_offline"));
    assert!(good.done.load(Ordering::SeqCst) >= 1, "the delivery came over a completed TLS handshake");
    let log = wait_for("delivered in the log", async || {
        let log = deliveries(&t, &token, &hooks[0]).await?;
        Ok((log["items"][0]["status"] == "delivered").then_some(log))
    })
    .await?;
    assert_eq!(log["items"][0]["attempts"], 1);
    assert_eq!(log["items"][0]["last_status_code"], 200);

    // The untrusted receiver: handshakes begun, none completed, nothing
    // received; after the configured two attempts the delivery is dead.
    let log = wait_for("the untrusted delivery dead-lettered", async || {
        let log = deliveries(&t, &token, &hooks[1]).await?;
        Ok((log["items"][0]["status"] == "dead").then_some(log))
    })
    .await?;
    let d = &log["items"][0];
    assert_eq!(d["attempts"], 2);
    assert!(d["last_status_code"].is_null(), "{d}");
    assert_eq!(d["last_error"], "connection failed", "{d}");
    assert!(bad.begun.load(Ordering::SeqCst) >= 2, "each attempt started a TLS handshake");
    assert_eq!(bad.done.load(Ordering::SeqCst), 0, "no handshake with an untrusted certificate completed");
    assert!(bad.got.lock().unwrap_or_else(|e| e.into_inner()).is_empty(), "nothing was sent in the clear");
    Ok(())
}
