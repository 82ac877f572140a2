//! Static checks of the Kubernetes manifests in deploy/k8s (no cluster here):
//! every YAML document is parsed and checked against the settings table
//! (`spotctl::settings::all()`) and against docker-compose.yml, the reference deployment.
//! Each test collects every problem it finds and reports them together.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::helpers::repo_root;
use serde::Deserialize;
use serde_yaml::Value;
use spot_platform::config::SettingDef;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

const SERVICES: [&str; 5] = ["gateway", "lifecycle", "emergency", "pricing", "decisions"];
const NAMESPACE: &str = "spot";
const IMAGE: &str = "spot-optimizer:latest";

/// The Secret key holding a service's own database URL (its own role,
/// deploy/postgres/roles.sql).
fn database_url_key(svc: &str) -> String {
    format!("{}_DATABASE_URL", svc.to_uppercase())
}

fn k8s_dir() -> PathBuf {
    repo_root().join("deploy/k8s")
}

fn setting(env: &str) -> Option<SettingDef> {
    spotctl::settings::all().into_iter().find(|s| s.env == env)
}

/// The env var holding a service's HTTP listen address.
fn http_addr_env(svc: &str) -> String {
    if svc == "gateway" {
        "SPOT_HTTP_ADDR".to_owned()
    } else {
        format!("SPOT_{}_HTTP_ADDR", svc.to_uppercase())
    }
}

/// The env var holding a service's gRPC listen address, if it serves gRPC.
fn grpc_addr_env(svc: &str) -> Option<String> {
    let name = format!("SPOT_{}_GRPC_ADDR", svc.to_uppercase());
    setting(&name).map(|_| name)
}

/// A scalar as text (YAML numbers and booleans included).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn seq(v: &Value) -> &[Value] {
    v.as_sequence().map(Vec::as_slice).unwrap_or_default()
}

/// String keys of a mapping.
fn keys(v: &Value) -> Vec<String> {
    v.as_mapping().map(|m| m.keys().filter_map(scalar).collect()).unwrap_or_default()
}

/// `true` when every `key: value` of `subset` is in `map`; an empty subset
/// matches nothing (a selector must select something).
fn labels_match(subset: &Value, map: &Value) -> bool {
    let Some(sub) = subset.as_mapping() else { return false };
    !sub.is_empty() && sub.iter().all(|(k, v)| map.get(k) == Some(v))
}

/// `http://service[.spot[.svc[.cluster.local]]]:port` as (service, port).
fn grpc_target(url: &str) -> Option<(String, u64)> {
    let (host, port) = url.strip_prefix("http://")?.split_once(':')?;
    let short = host.strip_suffix(".svc.cluster.local").or_else(|| host.strip_suffix(".svc")).unwrap_or(host);
    let service = short.strip_suffix(&format!(".{NAMESPACE}")).unwrap_or(short);
    Some((service.to_owned(), port.parse().ok()?))
}

/// Port of a `host:port` listen address.
fn addr_port(addr: &str) -> Option<u16> {
    addr.rsplit_once(':').and_then(|(_, p)| p.parse().ok())
}

/// One YAML document of one manifest file.
struct Doc {
    file: String,
    value: Value,
}

impl Doc {
    fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or_default()
    }
    fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or_default()
    }
}

/// Where a container's environment variable comes from.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    /// `value:` in the Deployment.
    Literal,
    /// A ConfigMap key, through `envFrom` or `configMapKeyRef`.
    ConfigMap,
    /// A Secret key, through `envFrom` or `secretKeyRef`.
    Secret,
    /// Anything else (`fieldRef`, a missing reference).
    Other,
}

#[derive(Debug, Clone)]
struct EnvVar {
    source: Source,
    /// Known for literals and ConfigMap keys.
    value: Option<String>,
}

/// All documents of deploy/k8s, kustomization.yaml excluded.
struct Manifests {
    docs: Vec<Doc>,
}

/// Manifest file names in deploy/k8s (sorted), kustomization.yaml excluded.
fn manifest_files() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(k8s_dir())
        .expect("deploy/k8s exists")
        .map(|e| e.expect("readable dir entry").file_name().to_string_lossy().into_owned())
        .filter(|n| (n.ends_with(".yaml") || n.ends_with(".yml")) && n != "kustomization.yaml")
        .collect();
    files.sort();
    files
}

impl Manifests {
    fn load() -> Self {
        let mut docs = Vec::new();
        for file in manifest_files() {
            let text = std::fs::read_to_string(k8s_dir().join(&file)).expect("readable manifest");
            for de in serde_yaml::Deserializer::from_str(&text) {
                let value = Value::deserialize(de).unwrap_or_else(|e| panic!("{file}: invalid YAML: {e}"));
                if !value.is_null() {
                    docs.push(Doc { file: file.clone(), value });
                }
            }
        }
        assert!(!docs.is_empty(), "deploy/k8s holds no manifests");
        Self { docs }
    }

    fn of_kind<'a>(&'a self, kind: &str) -> impl Iterator<Item = &'a Doc> + use<'a> {
        let kind = kind.to_owned();
        self.docs.iter().filter(move |d| d.kind() == kind)
    }

    fn find(&self, kind: &str, name: &str) -> Option<&Value> {
        self.of_kind(kind).find(|d| d.name() == name).map(|d| &d.value)
    }

    /// Keys of a ConfigMap's `data` or a Secret's `data`/`stringData`.
    fn keys_of(&self, kind: &str, name: &str) -> Option<BTreeMap<String, Option<String>>> {
        let doc = self.find(kind, name)?;
        let mut out = BTreeMap::new();
        for section in ["data", "stringData"] {
            if let Some(map) = doc[section].as_mapping() {
                for (k, v) in map {
                    let key = scalar(k)?;
                    out.insert(key, if kind == "ConfigMap" { scalar(v) } else { None });
                }
            }
        }
        Some(out)
    }

    /// The Deployment whose container runs `spot-{svc}`, with that container.
    fn deployment_running(&self, svc: &str) -> Option<(&Doc, &Value)> {
        let binary = format!("spot-{svc}");
        self.of_kind("Deployment").find_map(|d| {
            let containers = seq(&d.value["spec"]["template"]["spec"]["containers"]);
            containers
                .iter()
                .find(|c| seq(&c["command"]).first().and_then(Value::as_str) == Some(&binary))
                .map(|c| (d, c))
        })
    }

    /// The Deployment and container running each service's binary; a
    /// service without one is noted in `problems`.
    fn service_deployments(&self, problems: &mut Vec<String>) -> Vec<(&'static str, &Doc, &Value)> {
        let found = SERVICES.into_iter().map(|svc| (svc, self.deployment_running(svc)));
        found
            .filter_map(|(svc, running)| {
                if running.is_none() {
                    problems.push(format!("no Deployment has a container whose command runs spot-{svc}"));
                }
                running.map(|(dep, container)| (svc, dep, container))
            })
            .collect()
    }

    /// Every (Deployment, container) pair.
    fn containers(&self) -> Vec<(&Doc, &Value)> {
        self.of_kind("Deployment")
            .flat_map(|d| seq(&d.value["spec"]["template"]["spec"]["containers"]).iter().map(move |c| (d, c)))
            .collect()
    }

    /// A container's environment as Kubernetes resolves it: `envFrom` first,
    /// then `env` (which wins). Unresolvable references are `problems`.
    fn env(&self, container: &Value, problems: &mut Vec<String>) -> BTreeMap<String, EnvVar> {
        let cname = container["name"].as_str().unwrap_or("?");
        let mut out = BTreeMap::new();
        for from in seq(&container["envFrom"]) {
            if from.get("prefix").is_some() {
                problems.push(format!("{cname}: envFrom with a prefix is not supported here"));
            }
            for (kind, field, source) in
                [("ConfigMap", "configMapRef", Source::ConfigMap), ("Secret", "secretRef", Source::Secret)]
            {
                let Some(name) = from[field]["name"].as_str() else { continue };
                match self.keys_of(kind, name) {
                    Some(keys) => {
                        for (key, value) in keys {
                            out.insert(key, EnvVar { source: source.clone(), value });
                        }
                    }
                    None => {
                        problems.push(format!("{cname}: envFrom names {kind} {name}, which does not exist"))
                    }
                }
            }
        }
        let mut seen = BTreeSet::new();
        for entry in seq(&container["env"]) {
            let Some(name) = entry["name"].as_str() else {
                problems.push(format!("{cname}: env entry without a name"));
                continue;
            };
            if !seen.insert(name.to_owned()) {
                problems.push(format!("{cname}: {name} is set twice"));
            }
            let var = if let Some(v) = entry.get("value") {
                EnvVar { source: Source::Literal, value: scalar(v) }
            } else if let Some(r) = entry.get("valueFrom").and_then(|v| v.get("secretKeyRef")) {
                let (sname, key) =
                    (r["name"].as_str().unwrap_or_default(), r["key"].as_str().unwrap_or_default());
                match self.keys_of("Secret", sname) {
                    Some(keys) if keys.contains_key(key) => EnvVar { source: Source::Secret, value: None },
                    _ => {
                        problems.push(format!(
                            "{cname}: {name} reads Secret {sname:?} key {key:?}, which does not exist"
                        ));
                        EnvVar { source: Source::Other, value: None }
                    }
                }
            } else if let Some(r) = entry.get("valueFrom").and_then(|v| v.get("configMapKeyRef")) {
                let (cm, key) =
                    (r["name"].as_str().unwrap_or_default(), r["key"].as_str().unwrap_or_default());
                match self.keys_of("ConfigMap", cm).and_then(|k| k.get(key).cloned()) {
                    Some(value) => EnvVar { source: Source::ConfigMap, value },
                    None => {
                        problems.push(format!(
                            "{cname}: {name} reads ConfigMap {cm:?} key {key:?}, which does not exist"
                        ));
                        EnvVar { source: Source::Other, value: None }
                    }
                }
            } else {
                EnvVar { source: Source::Other, value: None }
            };
            out.insert(name.to_owned(), var);
        }
        out
    }
}

/// The container port a probe or Service `targetPort` names (by name or number).
fn container_port(container: &Value, port: &Value) -> Option<u64> {
    match port {
        Value::Number(n) => n.as_u64(),
        Value::String(name) => seq(&container["ports"])
            .iter()
            .find(|p| p["name"].as_str() == Some(name))
            .and_then(|p| p["containerPort"].as_u64()),
        _ => None,
    }
}

fn container_ports(container: &Value) -> Vec<u64> {
    seq(&container["ports"]).iter().filter_map(|p| p["containerPort"].as_u64()).collect()
}

/// Port of a listen-address env var, checked to bind every interface.
fn listen_port(
    env: &BTreeMap<String, EnvVar>,
    name: &str,
    svc: &str,
    problems: &mut Vec<String>,
) -> Option<u64> {
    let Some(value) = env.get(name).and_then(|v| v.value.clone()) else {
        problems.push(format!("{svc}: {name} is not set to a literal or ConfigMap value"));
        return None;
    };
    if !value.starts_with("0.0.0.0:") {
        problems.push(format!("{svc}: {name}={value} must listen on 0.0.0.0 to be reachable in the pod"));
    }
    let port = addr_port(&value).map(u64::from);
    if port.is_none() {
        problems.push(format!("{svc}: {name}={value} has no port"));
    }
    port
}

/// Loads the manifests, lets `find` note every problem, and fails listing
/// them under `what`.
fn check(what: &str, find: impl FnOnce(&Manifests, &mut Vec<String>)) {
    let m = Manifests::load();
    let mut problems = Vec::new();
    find(&m, &mut problems);
    assert!(problems.is_empty(), "deploy/k8s: {what}:\n  {}", problems.join("\n  "));
}

#[test]
fn every_service_binary_has_a_deployment_and_a_service() {
    check("services", |m, problems| {
        for (svc, dep, container) in m.service_deployments(problems) {
            let spec = &dep.value["spec"];
            if container["image"].as_str() != Some(IMAGE) {
                problems.push(format!("{svc}: image must be {IMAGE}, like compose"));
            }
            let want = if svc == "decisions" { 1 } else { 2 };
            if spec["replicas"].as_u64() != Some(want) {
                problems.push(format!("{svc}: replicas must be {want}, got {:?}", spec["replicas"]));
            }
            let pod_labels = &spec["template"]["metadata"]["labels"];
            if !labels_match(&spec["selector"]["matchLabels"], pod_labels) {
                problems.push(format!("{}: selector.matchLabels do not match the pod labels", dep.name()));
            }
            // Compose reaches services by name; the Service keeps that DNS name.
            let Some(service) = m.find("Service", svc) else {
                problems.push(format!("no Service named {svc}"));
                continue;
            };
            if !labels_match(&service["spec"]["selector"], pod_labels) {
                problems.push(format!("Service {svc} does not select the pods of Deployment {}", dep.name()));
            }
            let ports = seq(&service["spec"]["ports"]);
            if ports.is_empty() {
                problems.push(format!("Service {svc} exposes no port"));
            }
            for p in ports {
                let target = p.get("targetPort").unwrap_or(&p["port"]);
                match container_port(container, target) {
                    Some(cp) if container_ports(container).contains(&cp) => {}
                    _ => problems.push(format!(
                        "Service {svc}: targetPort {target:?} is not a containerPort of {svc}"
                    )),
                }
            }
        }
    });
}

#[test]
fn env_names_are_known_settings() {
    check("unknown settings", |m, problems| {
        let known = |name: &str| setting(name).is_some();
        // Per-service database URLs are Secret keys each Deployment maps onto
        // `DATABASE_URL` (secrets_come_only_from_a_secret checks the mapping).
        let per_service_url =
            |name: &str| SERVICES.iter().any(|s| name == format!("{}_DATABASE_URL", s.to_uppercase()));
        for kind in ["ConfigMap", "Secret"] {
            for doc in m.of_kind(kind) {
                let names = m.keys_of(kind, doc.name()).unwrap_or_default();
                if names.is_empty() {
                    problems.push(format!("{kind} {} is empty", doc.name()));
                }
                for name in names.keys().filter(|n| !(known(n) || (kind == "Secret" && per_service_url(n)))) {
                    problems.push(format!(
                        "{kind} {} ({}) has {name}, which the config does not read",
                        doc.name(),
                        doc.file
                    ));
                }
            }
        }
        let containers = m.containers();
        assert!(!containers.is_empty(), "no Deployment containers in deploy/k8s");
        for (dep, container) in containers {
            let env = m.env(container, problems);
            for name in env.keys().filter(|n| !known(n)) {
                problems.push(format!(
                    "Deployment {} ({}) sets {name}, which the config does not read",
                    dep.name(),
                    dep.file
                ));
            }
        }
    });
}

#[test]
fn secrets_come_only_from_a_secret() {
    check("secrets", |m, problems| {
        let secret_names: Vec<&str> =
            spotctl::settings::all().iter().filter(|s| s.secret).map(|s| s.env).collect();
        assert!(secret_names.contains(&"DATABASE_URL") && secret_names.contains(&"SPOT_ADMIN_TOKEN"));
        for cm in m.of_kind("ConfigMap") {
            for key in keys(&cm.value["data"]) {
                if secret_names.contains(&key.as_str()) {
                    problems.push(format!("ConfigMap {} holds the secret {key}", cm.name()));
                }
            }
        }
        // The template must hold placeholders only, never a real credential.
        let mut held = BTreeSet::new();
        for secret in m.of_kind("Secret") {
            if secret.value.get("data").is_some() {
                problems.push(format!(
                    "Secret {}: use stringData with placeholder values, not data",
                    secret.name()
                ));
            }
            for (k, v) in secret.value["stringData"].as_mapping().into_iter().flatten() {
                let (key, value) = (scalar(k).unwrap_or_default(), scalar(v).unwrap_or_default());
                if !value.contains("change-me") {
                    problems.push(format!(
                        "Secret {} key {key}: the template value must be a change-me placeholder",
                        secret.name()
                    ));
                }
                held.insert(key);
            }
        }
        // One database role per service (deploy/postgres/roles.sql): each
        // service's URL is its own key, naming its own `spot_<service>` role.
        let own_key = database_url_key;
        for name in SERVICES.iter().map(|s| own_key(s)).chain(["SPOT_ADMIN_TOKEN".to_owned()]) {
            if !held.contains(&name) {
                problems.push(format!("no Secret holds {name}"));
            }
        }
        for secret in m.of_kind("Secret") {
            for svc in SERVICES {
                let url = scalar(&secret.value["stringData"][own_key(svc).as_str()]).unwrap_or_default();
                if !url.is_empty() && !url.starts_with(&format!("postgres://spot_{svc}:")) {
                    problems.push(format!(
                        "Secret {}: {} must use the role spot_{svc}",
                        secret.name(),
                        own_key(svc)
                    ));
                }
            }
        }
        for svc in SERVICES {
            let Some((_, c)) = m.deployment_running(svc) else { continue };
            let key = seq(&c["env"])
                .iter()
                .find(|e| e["name"].as_str() == Some("DATABASE_URL"))
                .and_then(|e| e["valueFrom"]["secretKeyRef"]["key"].as_str());
            if key != Some(own_key(svc).as_str()) {
                problems.push(format!("{svc}: DATABASE_URL must come from the Secret key {}", own_key(svc)));
            }
        }
        for (dep, container) in m.containers() {
            for entry in seq(&container["env"]) {
                let name = entry["name"].as_str().unwrap_or_default();
                if secret_names.contains(&name)
                    && (entry.get("value").is_some()
                        || entry.get("valueFrom").and_then(|v| v.get("secretKeyRef")).is_none())
                {
                    problems.push(format!(
                        "Deployment {}: {name} must come from a secretKeyRef, not a literal",
                        dep.name()
                    ));
                }
            }
            let env = m.env(container, problems);
            for (name, var) in &env {
                if secret_names.contains(&name.as_str()) && var.source != Source::Secret {
                    problems.push(format!(
                        "Deployment {}: {name} comes from {:?}, not a Secret",
                        dep.name(),
                        var.source
                    ));
                }
            }
        }
        // Who needs which secret, as in compose.
        for (svc, needs) in
            SERVICES.iter().map(|s| (*s, "DATABASE_URL")).chain([("gateway", "SPOT_ADMIN_TOKEN")])
        {
            if let Some((_, c)) = m.deployment_running(svc)
                && m.env(c, &mut Vec::new()).get(needs).map(|v| &v.source) != Some(&Source::Secret)
            {
                problems.push(format!("{svc} must get {needs} from the Secret"));
            }
        }
    });
}

#[test]
fn env_matches_docker_compose() {
    let mut compose: Value = serde_yaml::from_str(
        &std::fs::read_to_string(repo_root().join("docker-compose.yml")).expect("compose"),
    )
    .expect("docker-compose.yml is YAML");
    compose.apply_merge().expect("compose merge keys");
    check("compose parity", |m, problems| {
        for svc in SERVICES {
            let compose_env = &compose["services"][svc]["environment"];
            let names = keys(compose_env);
            assert!(
                names.contains(&"DATABASE_URL".to_owned()),
                "compose {svc}: merged environment lacks DATABASE_URL"
            );
            let Some((_, container)) = m.deployment_running(svc) else {
                problems.push(format!("no Deployment runs spot-{svc}"));
                continue;
            };
            let env = m.env(container, problems);
            for name in &names {
                let Some(var) = env.get(name) else {
                    problems.push(format!("{svc}: compose sets {name}, the Deployment does not"));
                    continue;
                };
                // Listen addresses carry over unchanged, and gRPC URLs reach the
                // same service and port: the Services keep compose's names.
                let want = scalar(&compose_env[name.as_str()]);
                let same = if name.ends_with("_GRPC_URL") {
                    var.value.as_deref().and_then(grpc_target) == want.as_deref().and_then(grpc_target)
                } else {
                    !name.ends_with("_ADDR") || var.value == want
                };
                if !same {
                    problems.push(format!("{svc}: {name} is {:?}, compose has {want:?}", var.value));
                }
            }
            // The reverse for service-specific settings (shared ones live in the ConfigMap).
            for (name, var) in &env {
                if var.source == Source::Literal && !names.contains(name) {
                    problems.push(format!("{svc}: sets {name}, which compose does not give it"));
                }
            }
        }
    });
}

#[test]
fn probes_ports_and_metrics_use_the_http_port() {
    check("probes and ports", |m, problems| {
        for (svc, dep, container) in m.service_deployments(problems) {
            let env = m.env(container, problems);
            let ports = container_ports(container);
            let Some(http) = listen_port(&env, &http_addr_env(svc), svc, problems) else { continue };
            if !ports.contains(&http) {
                problems.push(format!("{svc}: HTTP port {http} is not a containerPort"));
            }
            if let Some(grpc_env) = grpc_addr_env(svc)
                && let Some(grpc) = listen_port(&env, &grpc_env, svc, problems)
                && !ports.contains(&grpc)
            {
                problems.push(format!("{svc}: gRPC port {grpc} is not a containerPort"));
            }
            // (probe, path, required): a startup probe is optional but, when
            // present, must not restart a pod that is merely not ready yet.
            let probes = [
                ("readinessProbe", "/readyz", true),
                ("livenessProbe", "/healthz", true),
                ("startupProbe", "/healthz", false),
            ];
            for (probe, path, required) in probes {
                let get = &container[probe]["httpGet"];
                if container.get(probe).is_none() {
                    if required {
                        problems.push(format!("{svc}: no {probe}"));
                    }
                    continue;
                }
                if get["path"].as_str() != Some(path) {
                    problems.push(format!("{svc}: {probe} must GET {path}, not {:?}", get["path"]));
                }
                if container_port(container, &get["port"]) != Some(http) {
                    problems
                        .push(format!("{svc}: {probe} port {:?} is not the HTTP port {http}", get["port"]));
                }
            }
            let ann = &dep.value["spec"]["template"]["metadata"]["annotations"];
            let want = [
                ("prometheus.io/scrape", "true".to_owned()),
                ("prometheus.io/port", http.to_string()),
                ("prometheus.io/path", "/metrics".to_owned()),
            ];
            for (key, value) in want {
                if ann[key].as_str() != Some(value.as_str()) {
                    problems.push(format!(
                        "{svc}: pod annotation {key} must be the string {value:?}, got {:?}",
                        ann[key]
                    ));
                }
            }
        }
    });
}

#[test]
fn grpc_urls_point_at_existing_services_and_ports() {
    check("gRPC URLs", |m, problems| {
        let mut checked = BTreeSet::new();
        for (dep, container) in m.containers() {
            for (name, var) in m.env(container, problems) {
                if !name.ends_with("_GRPC_URL") {
                    continue;
                }
                let from = dep.name();
                let Some(url) = var.value else {
                    problems.push(format!("{from}: {name} has no literal value"));
                    continue;
                };
                let Some((service_name, port)) = grpc_target(&url) else {
                    problems.push(format!("{from}: {name}={url} is not http://service:port"));
                    continue;
                };
                let service_name = service_name.as_str();
                // SPOT_PRICING_GRPC_URL must reach pricing, and so on.
                if name != format!("SPOT_{}_GRPC_URL", service_name.to_uppercase()) {
                    problems.push(format!("{from}: {name}={url} points at {service_name}"));
                }
                let Some(service) = m.find("Service", service_name) else {
                    problems.push(format!("{from}: {name}={url} names no Service in deploy/k8s"));
                    continue;
                };
                let Some(sp) =
                    seq(&service["spec"]["ports"]).iter().find(|p| p["port"].as_u64() == Some(port))
                else {
                    problems.push(format!(
                        "{from}: {name}={url}: Service {service_name} does not expose port {port}"
                    ));
                    continue;
                };
                // Follow the Service to its pods: the target must be the port the
                // backend's gRPC server listens on.
                let target = sp.get("targetPort").unwrap_or(&sp["port"]);
                let backend = m.containers().into_iter().find(|(d, _)| {
                    labels_match(
                        &service["spec"]["selector"],
                        &d.value["spec"]["template"]["metadata"]["labels"],
                    )
                });
                let Some((bdep, bcontainer)) = backend else {
                    problems.push(format!("{from}: {name}: Service {service_name} selects no Deployment"));
                    continue;
                };
                let listens = grpc_addr_env(service_name).and_then(|e| {
                    m.env(bcontainer, problems)
                        .get(&e)
                        .and_then(|v| v.value.clone())
                        .and_then(|a| addr_port(&a))
                });
                let target_port = container_port(bcontainer, target);
                if target_port.is_none() || target_port != listens.map(u64::from) {
                    problems.push(format!(
                        "{from}: {name}={url}: Service {service_name} port {port} targets {target:?} ({target_port:?}), \
                         but {} serves gRPC on {listens:?}",
                        bdep.name()
                    ));
                }
                checked.insert(name);
            }
        }
        // The gateway calls all three gRPC services; emergency calls lifecycle.
        for name in ["SPOT_LIFECYCLE_GRPC_URL", "SPOT_EMERGENCY_GRPC_URL", "SPOT_PRICING_GRPC_URL"] {
            if !checked.contains(name) {
                problems.push(format!("no Deployment sets {name}"));
            }
        }
    });
}

#[test]
fn pods_drain_on_shutdown_and_run_locked_down() {
    check("pod hardening", |m, problems| {
        let deployments: Vec<&Doc> = m.of_kind("Deployment").collect();
        assert!(deployments.len() >= SERVICES.len(), "expected a Deployment per service");
        for dep in deployments {
            let name = dep.name();
            let pod = &dep.value["spec"]["template"]["spec"];
            for container in seq(&pod["containers"]) {
                let env = m.env(container, problems);
                let default = setting("SPOT_SHUTDOWN_GRACE_SECS").map(|s| s.default).unwrap_or("20");
                let grace: u64 = env
                    .get("SPOT_SHUTDOWN_GRACE_SECS")
                    .and_then(|v| v.value.clone())
                    .unwrap_or_else(|| default.to_owned())
                    .parse()
                    .expect("SPOT_SHUTDOWN_GRACE_SECS is a number");
                match pod["terminationGracePeriodSeconds"].as_u64() {
                    Some(t) if t > grace => {}
                    t => problems.push(format!(
                        "{name}: terminationGracePeriodSeconds {t:?} must be above SPOT_SHUTDOWN_GRACE_SECS ({grace})"
                    )),
                }
                let sc = &container["securityContext"];
                let non_root =
                    sc["runAsNonRoot"].as_bool().or(pod["securityContext"]["runAsNonRoot"].as_bool());
                if non_root != Some(true) {
                    problems.push(format!("{name}: runAsNonRoot must be true"));
                }
                if sc["readOnlyRootFilesystem"].as_bool() != Some(true) {
                    problems.push(format!("{name}: readOnlyRootFilesystem must be true"));
                }
                if sc["allowPrivilegeEscalation"].as_bool() != Some(false) {
                    problems.push(format!("{name}: allowPrivilegeEscalation must be false"));
                }
                for section in ["requests", "limits"] {
                    for resource in ["cpu", "memory"] {
                        if scalar(&container["resources"][section][resource]).is_none() {
                            problems.push(format!("{name}: resources.{section}.{resource} is missing"));
                        }
                    }
                }
            }
        }
    });
}

#[test]
fn kustomization_lists_every_manifest_in_one_namespace() {
    let text =
        std::fs::read_to_string(k8s_dir().join("kustomization.yaml")).expect("deploy/k8s/kustomization.yaml");
    let kustomization: Value = serde_yaml::from_str(&text).expect("kustomization.yaml is YAML");
    let listed: BTreeSet<String> = seq(&kustomization["resources"]).iter().filter_map(scalar).collect();
    let files: BTreeSet<String> = manifest_files().into_iter().collect();
    assert_eq!(
        listed, files,
        "kustomization.yaml resources must list exactly the manifest files of deploy/k8s"
    );
    assert_eq!(kustomization["namespace"].as_str(), Some(NAMESPACE));

    check("kustomization", |m, problems| {
        if m.find("Namespace", NAMESPACE).is_none() {
            problems.push(format!("no Namespace {NAMESPACE}"));
        }
        for doc in &m.docs {
            if doc.kind().is_empty() || doc.value["apiVersion"].as_str().is_none() || doc.name().is_empty() {
                problems.push(format!("{}: a document lacks apiVersion, kind or metadata.name", doc.file));
            }
            if doc.kind() != "Namespace" && doc.value["metadata"]["namespace"].as_str() != Some(NAMESPACE) {
                problems.push(format!(
                    "{} {} ({}) is not in namespace {NAMESPACE}",
                    doc.kind(),
                    doc.name(),
                    doc.file
                ));
            }
        }
        let mut seen = BTreeSet::new();
        for doc in &m.docs {
            if !seen.insert((doc.kind().to_owned(), doc.name().to_owned())) {
                problems.push(format!("{} {} is defined twice", doc.kind(), doc.name()));
            }
        }
    });
}
