//! Static checks of deploy/k8s/policies.yaml against the Deployments, and of
//! the production overlay (deploy/overlays/production) rendered with
//! `kubectl kustomize` when kubectl is installed.

use crate::helpers::repo_root;
use serde_yaml::Value;
use std::collections::{BTreeMap, BTreeSet};

fn docs_of(text: &str) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let v = <Value as serde::Deserialize>::deserialize(doc)?;
        if !v.is_null() {
            out.push(v);
        }
    }
    Ok(out)
}

fn base_docs() -> anyhow::Result<Vec<Value>> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(repo_root().join("deploy/k8s"))? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if name.ends_with(".yaml") && name != "kustomization.yaml" {
            all.extend(docs_of(&std::fs::read_to_string(&path)?)?);
        }
    }
    Ok(all)
}

fn kind<'a>(docs: &'a [Value], kind: &str) -> Vec<&'a Value> {
    docs.iter().filter(|d| d["kind"].as_str() == Some(kind)).collect()
}

fn name(v: &Value) -> String {
    v["metadata"]["name"].as_str().unwrap_or_default().to_owned()
}

fn app_label(selector: &Value) -> Option<String> {
    selector["matchLabels"]["app.kubernetes.io/name"].as_str().map(str::to_owned)
}

/// Container ports of a Deployment by name (`http`, `grpc`).
fn ports(deployment: &Value) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for c in deployment["spec"]["template"]["spec"]["containers"].as_sequence().into_iter().flatten() {
        for p in c["ports"].as_sequence().into_iter().flatten() {
            if let (Some(n), Some(port)) = (p["name"].as_str(), p["containerPort"].as_u64()) {
                out.insert(n.to_owned(), port);
            }
        }
    }
    out
}

/// Services a Deployment calls over gRPC (its `*_GRPC_URL` values `http://<svc>:<port>`).
fn grpc_callees(deployment: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for c in deployment["spec"]["template"]["spec"]["containers"].as_sequence().into_iter().flatten() {
        for e in c["env"].as_sequence().into_iter().flatten() {
            let is_url = e["name"].as_str().is_some_and(|n| n.ends_with("_GRPC_URL"));
            if let (true, Some(v)) = (is_url, e["value"].as_str()) {
                let host = v.trim_start_matches("http://").split(':').next().unwrap_or_default();
                out.insert(host.to_owned());
            }
        }
    }
    out
}

#[test]
fn every_deployment_has_a_disruption_budget_and_only_its_callers_reach_its_grpc_port() -> anyhow::Result<()> {
    let docs = base_docs()?;
    let deployments = kind(&docs, "Deployment");
    anyhow::ensure!(deployments.len() == 5, "five Deployments expected");
    let pdbs = kind(&docs, "PodDisruptionBudget");
    let policies = kind(&docs, "NetworkPolicy");
    let deny = policies
        .iter()
        .find(|p| p["spec"]["podSelector"].as_mapping().is_some_and(|m| m.is_empty()))
        .ok_or_else(|| anyhow::anyhow!("no default-deny NetworkPolicy"))?;
    assert!(deny["spec"]["ingress"].is_null(), "the default policy admits nothing");
    for d in &deployments {
        let app = app_label(&d["spec"]["selector"]).unwrap_or_default();
        let pdb = pdbs.iter().find(|p| app_label(&p["spec"]["selector"]).as_deref() == Some(app.as_str()));
        let pdb = pdb.ok_or_else(|| anyhow::anyhow!("{app} has no PodDisruptionBudget"))?;
        // minAvailable 1 would block every drain of a one-replica service.
        assert_eq!(pdb["spec"]["maxUnavailable"].as_u64(), Some(1), "{app}: drains take one pod at a time");

        let policy = policies
            .iter()
            .find(|p| app_label(&p["spec"]["podSelector"]).as_deref() == Some(app.as_str()))
            .ok_or_else(|| anyhow::anyhow!("{app} has no NetworkPolicy"))?;
        let ports = ports(d);
        let callers: BTreeSet<String> =
            deployments.iter().filter(|c| grpc_callees(c).contains(&app)).map(|c| name(c)).collect();
        let mut grpc_peers = BTreeSet::new();
        let mut http_open_to = Vec::new();
        for rule in policy["spec"]["ingress"].as_sequence().into_iter().flatten() {
            let rule_ports: Vec<u64> = rule["ports"]
                .as_sequence()
                .into_iter()
                .flatten()
                .filter_map(|p| p["port"].as_u64())
                .collect();
            let from = rule["from"].as_sequence().cloned().unwrap_or_default();
            if Some(&rule_ports[..]) == ports.get("grpc").map(std::slice::from_ref) {
                for peer in &from {
                    grpc_peers.extend(app_label(&peer["podSelector"]));
                }
                assert!(!from.is_empty(), "{app}: its gRPC port must not be open to everyone");
            }
            if Some(&rule_ports[..]) == ports.get("http").map(std::slice::from_ref) {
                http_open_to.push(from);
            }
        }
        assert_eq!(grpc_peers, callers, "{app}: gRPC admitted from exactly the services that call it");
        assert!(!http_open_to.is_empty(), "{app}: its HTTP port (probes, metrics) admits nobody");
        if app == "gateway" {
            assert!(http_open_to.iter().any(Vec::is_empty), "the gateway takes traffic from anywhere");
        } else {
            assert!(
                http_open_to.iter().all(|from| !from.is_empty()),
                "{app}: only the gateway is open to the outside"
            );
        }
    }
    Ok(())
}

#[test]
fn the_production_overlay_renders_with_limits_an_hpa_and_pinned_images() -> anyhow::Result<()> {
    let overlay = repo_root().join("deploy/overlays/production");
    let rendered = match std::process::Command::new("kubectl").arg("kustomize").arg(&overlay).output() {
        Ok(out) => {
            anyhow::ensure!(out.status.success(), "kustomize: {}", String::from_utf8_lossy(&out.stderr));
            String::from_utf8(out.stdout)?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            // Without kubectl only the overlay's own files are checked.
            eprintln!("kubectl not installed: checking the overlay's files without rendering");
            let k: Value =
                serde_yaml::from_str(&std::fs::read_to_string(overlay.join("kustomization.yaml"))?)?;
            for r in k["resources"]
                .as_sequence()
                .into_iter()
                .flatten()
                .chain(k["patches"].as_sequence().into_iter().flatten().map(|p| &p["path"]))
            {
                let path = overlay.join(r.as_str().unwrap_or_default());
                assert!(path.exists(), "{} is missing", path.display());
            }
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    let docs = docs_of(&rendered)?;
    let hpa = kind(&docs, "HorizontalPodAutoscaler");
    assert_eq!(hpa.len(), 1, "one HPA, for the gateway");
    assert_eq!(hpa[0]["spec"]["scaleTargetRef"]["name"].as_str(), Some("gateway"));
    assert!(hpa[0]["spec"]["minReplicas"].as_u64().is_some_and(|n| n >= 2), "never fewer than two gateways");
    assert_eq!(kind(&docs, "PodDisruptionBudget").len(), 5);
    for d in kind(&docs, "Deployment") {
        let app = name(d);
        for c in d["spec"]["template"]["spec"]["containers"].as_sequence().into_iter().flatten() {
            for (section, res) in
                [("requests", "cpu"), ("requests", "memory"), ("limits", "cpu"), ("limits", "memory")]
            {
                assert!(!c["resources"][section][res].is_null(), "{app}: {section}.{res} missing");
            }
            for probe in ["livenessProbe", "readinessProbe"] {
                assert!(c[probe].is_mapping(), "{app}: no {probe}");
            }
            let image = c["image"].as_str().unwrap_or_default();
            assert!(!image.ends_with(":latest") && image.contains(':'), "{app}: image {image} not pinned");
        }
        if app != "gateway" {
            assert!(
                d["spec"]["replicas"].as_u64().is_some_and(|n| n >= 2),
                "{app}: one replica in production"
            );
        }
    }
    Ok(())
}
